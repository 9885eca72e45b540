package demo

import (
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/keepalived-go/keepalived/internal/sys/lab"
)

// inVMEnv marks the demo re-executed inside the VM, so that it never
// tries to boot another one.
const inVMEnv = "KEEPALIVED_GO_DEMO_IN_VM"

// ipvsInVM runs the whole demo inside the vmrun VM, whose kernel has
// IPVS, when this kernel has none: the demo's own binary (which must be
// static, CGO_ENABLED=0) is copied in and runs `demo --dataplane ipvs
// --ci` there. It returns done=false when the host kernel has IPVS (run
// here).
func ipvsInVM(o Options) (done bool, err error) {
	if lab.HasIPVS() {
		return false, nil
	}
	if os.Getenv(inVMEnv) != "" {
		return true, errors.New("the VM's kernel has no IPVS either")
	}
	runner := lab.FindVMRun()
	if runner == "" {
		return true, errors.New("this kernel has no IPVS and vmrun (the VM runner that boots a kernel with IPVS) was not found: set VMRUN=/path/to/vmrun, or use --dataplane nftables")
	}
	self := o.Keepalived[0]
	static, err := lab.StaticBinary(self)
	if err != nil {
		return true, fmt.Errorf("read %s: %w", self, err)
	}
	if !static {
		return true, fmt.Errorf("this kernel has no IPVS, and the VM that has it needs a static binary: %s is dynamically linked; build one with CGO_ENABLED=0 go build -o keepalivedctl ./cmd/keepalivedctl and run ./keepalivedctl demo --dataplane ipvs", self)
	}
	args := []string{"demo", "--dataplane", "ipvs", "--ci"}
	if o.NoPreempt {
		args = append(args, "--nopreempt")
	}
	if o.JSON {
		args = append(args, "--json")
	}
	if !o.JSON {
		fmt.Fprintf(o.Out, "this kernel has no IPVS: running the demo inside a VM that has it (%s; about a minute, emulated)\n", runner)
	}
	return true, lab.RunInVM(runner, self, args, inVMEnv+"=1", o.Out)
}

// vmSlowdown stretches the demo's waits inside the VM, whose CPU is
// emulated: adverts, checks and requests all take several times longer.
const vmSlowdown = 4

// limit is how long the demo waits for something that takes up to d on
// real hardware.
func (d *demo) limit(t time.Duration) time.Duration {
	if os.Getenv(inVMEnv) != "" {
		return t * vmSlowdown
	}
	return t
}
