package ipvs

import (
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/vmrun"
)

// vmModules are the kernel modules the in-VM tests need: IPVS, every
// scheduler of the contract, veth for the traffic test.
func vmModules() string {
	mods := []string{"ip_vs", "veth"}
	for _, s := range vmSchedulers {
		mods = append(mods, "ip_vs_"+s)
	}
	return strings.Join(mods, ",")
}

// vmFiles are the host binaries the in-VM tests run.
var vmFiles = []string{"/usr/sbin/ipvsadm", "/usr/sbin/ip", "/usr/bin/curl"}

// TestKernelIPVS boots the VM with kernel IPVS and runs this test binary
// inside it (the TestInVM* tests), failing when they fail. It is skipped
// in -short mode and where vmrun, qemu or the tools the VM needs are
// missing. KEEPALIVED_IPVS_VM_RUN narrows the in-VM tests (a -test.run
// pattern). scripts/vmtest-ipvs does the same by hand.
func TestKernelIPVS(t *testing.T) {
	if os.Getenv(vmEnv) != "" {
		t.Skip("already inside the VM")
	}
	if testing.Short() {
		t.Skip("boots a VM; skipped in -short mode")
	}
	runner := vmrun.Find()
	if runner == "" {
		t.Skip("vmrun not found (set VMRUN)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 missing (apt-get install -y qemu-system-x86 busybox-static cpio kmod)")
	}
	for _, f := range vmFiles {
		if _, err := os.Stat(f); err != nil {
			t.Skipf("%s missing (apt-get install -y ipvsadm iproute2 curl)", f)
		}
	}
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	args := []string{"-m", vmModules(), "-t", "300", "-f", self + ":/opt/ipvs.test"}
	for _, f := range vmFiles {
		args = append(args, "-f", f)
	}
	run := "^TestInVM"
	if r := os.Getenv(vmEnv + "_RUN"); r != "" {
		run = r
	}
	args = append(args, "--", vmEnv+"=1 /opt/ipvs.test -test.v -test.count=1 -test.run '"+run+"'")
	start := time.Now()
	out, err := exec.Command(runner, args...).CombinedOutput()
	t.Logf("VM run took %v:\n%s", time.Since(start).Round(time.Second), out)
	if err != nil {
		t.Fatalf("in-VM tests failed: %v", err)
	}
	if !strings.Contains(string(out), "--- PASS: TestInVM") {
		t.Fatal("the in-VM tests did not run")
	}
}
