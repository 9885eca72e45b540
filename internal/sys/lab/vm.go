package lab

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/vishvananda/netlink"
)

// HasIPVS says whether this kernel has IPVS: its generic netlink family
// resolves (the kernel loads ip_vs on that request when it can).
func HasIPVS() bool {
	_, err := netlink.GenlFamilyGet("IPVS")
	return err == nil
}

// FindVMRun returns the path of the project's VM runner (vmrun, which
// boots a throwaway VM whose kernel has IPVS): $VMRUN, else
// shared/tools/vmrun in the working directory or one of its parents,
// else vmrun on PATH; "" when there is none.
func FindVMRun() string {
	if p := os.Getenv("VMRUN"); p != "" {
		return p
	}
	dir, err := os.Getwd()
	for err == nil {
		p := filepath.Join(dir, "shared", "tools", "vmrun")
		if _, err := os.Stat(p); err == nil {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			break
		}
		dir = parent
	}
	p, _ := exec.LookPath("vmrun")
	return p
}

// StaticBinary says whether the ELF program at path is statically linked
// (has no program interpreter), as a VM without our libraries needs.
func StaticBinary(path string) (bool, error) {
	f, err := elf.Open(path)
	if err != nil {
		return false, err
	}
	defer f.Close()
	for _, p := range f.Progs {
		if p.Type == elf.PT_INTERP {
			return false, nil
		}
	}
	return true, nil
}

// VMModules are the modules the demo's lab needs inside the VM.
var VMModules = []string{"ip_vs", "ip_vs_wrr", "veth", "bridge"}

// vmSelf is where RunInVM puts the program in the VM (the guest's /tmp
// is a fresh tmpfs).
const vmSelf = "/opt/keepalivedctl"

// RunInVM boots the VM with vmrun and runs the program at self (copied
// in as /opt/keepalivedctl) with args and the environment variable env
// ("NAME=value"), output to out. It returns the program's failure (or
// the VM's) as an error.
func RunInVM(vmrun, self string, args []string, env string, out io.Writer) error {
	quoted := []string{env, vmSelf}
	for _, a := range args {
		quoted = append(quoted, shellQuote(a))
	}
	cmd := exec.Command(vmrun, "-m", strings.Join(VMModules, ","), "-t", "300", "-f", self+":"+vmSelf, "--", strings.Join(quoted, " "))
	cmd.Stdout, cmd.Stderr = out, out
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		switch exit.ExitCode() {
		case 124:
			return errors.New("the VM run timed out")
		case 125:
			return fmt.Errorf("vmrun could not boot the VM (%s)", vmrun)
		}
		return fmt.Errorf("inside the VM: exit status %d", exit.ExitCode())
	}
	return err
}

// shellQuote quotes s for the VM's shell.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
