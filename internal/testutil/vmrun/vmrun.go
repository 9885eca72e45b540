// Package vmrun finds the project's VM runner (../shared/tools/vmrun),
// which boots a throwaway VM whose kernel has IPVS, for tests that need
// what the host kernel lacks.
package vmrun

import (
	"os"
	"os/exec"
	"path/filepath"
)

// Find returns vmrun's path: $VMRUN, else shared/tools/vmrun in the
// working directory or one of its parents (the repository sits beside
// shared/), else vmrun on PATH; "" when there is none.
func Find() string {
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
