// Package vmrun finds the project's VM runner (../shared/tools/vmrun),
// which boots a throwaway VM whose kernel has IPVS, for tests that need
// what the host kernel lacks.
package vmrun

import "github.com/keepalived-go/keepalived/internal/sys/lab"

// Find returns vmrun's path: $VMRUN, else shared/tools/vmrun in the
// working directory or one of its parents (the repository sits beside
// shared/), else vmrun on PATH; "" when there is none. It is the demo's
// own finder (lab.FindVMRun), so tests and the demo find the same one.
func Find() string { return lab.FindVMRun() }
