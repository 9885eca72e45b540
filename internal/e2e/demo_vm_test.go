package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
	"github.com/keepalived-go/keepalived/internal/testutil/vmrun"
)

// TestDemoIPVSInVM runs `keepalivedctl demo --dataplane ipvs` on this
// host, whose kernel has no IPVS: the demo re-executes its static binary
// inside the vmrun VM and tells the story on kernel IPVS there. Skipped
// where vmrun or qemu are missing, or with -short; it boots a VM (about
// 90 s, emulated).
func TestDemoIPVSInVM(t *testing.T) {
	if testing.Short() {
		t.Skip("boots a VM")
	}
	netnstest.Require(t)
	runner := vmrun.Find()
	if runner == "" {
		t.Skip("vmrun not found (set VMRUN)")
	}
	if _, err := exec.LookPath("qemu-system-x86_64"); err != nil {
		t.Skip("qemu-system-x86_64 missing")
	}
	bin := filepath.Join(t.TempDir(), "keepalivedctl")
	build := exec.Command("go", "build", "-o", bin, "../../cmd/keepalivedctl")
	build.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	cmd := exec.Command(bin, "demo", "--dataplane", "ipvs")
	cmd.Env = append(os.Environ(), "VMRUN="+runner)
	start := time.Now()
	out, err := cmd.CombinedOutput()
	t.Logf("demo in the VM took %v", time.Since(start).Round(time.Second))
	if err != nil {
		t.Fatalf("demo --dataplane ipvs: %v\n%s", err, out)
	}
	for _, want := range []string{
		"this kernel has no IPVS: running the demo inside a VM",
		"(LVS-NAT on the ipvs dataplane, weighted round robin, equal weights)",
		"the HTTP_GET check removed web1 after",
		"director2 took over: the client's requests failed for",
		"director1 preempted (priority 150 > 100)",
		"done",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
}
