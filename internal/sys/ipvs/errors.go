package ipvs

import (
	"errors"
	"fmt"
	"syscall"
	"time"

	"github.com/keepalived-go/keepalived/internal/lvs"
)

// kernelHints say what an errno means for each operation, in the words
// of ipvsadm's messages (libipvs ipvs_strerror), so that an operator sees
// "service already exists" rather than "file exists".
var kernelHints = map[lvs.Op]map[syscall.Errno]string{
	lvs.AddService:    {syscall.EEXIST: "service already exists", syscall.ENOENT: "scheduler or persistence engine not found"},
	lvs.UpdateService: {syscall.ESRCH: "no such service", syscall.ENOENT: "scheduler or persistence engine not found"},
	lvs.DelService:    {syscall.ESRCH: "no such service"},
	lvs.AddDest:       {syscall.ESRCH: "service not defined", syscall.EEXIST: "destination already exists"},
	lvs.UpdateDest:    {syscall.ESRCH: "service not defined", syscall.ENOENT: "no such destination"},
	lvs.DelDest:       {syscall.ESRCH: "service not defined", syscall.ENOENT: "no such destination"},
}

// commonHints apply to every operation.
var commonHints = map[syscall.Errno]string{
	syscall.EPERM:        "permission denied (need CAP_NET_ADMIN)",
	syscall.EINVAL:       "invalid argument (address not unicast, wrong family, bad netmask or flags?)",
	syscall.EAFNOSUPPORT: "address family not supported",
	syscall.EOPNOTSUPP:   "operation not supported",
	syscall.ERANGE:       "value out of range",
}

// kernelError wraps an error of the kernel with what it means for op; the
// errno stays reachable with errors.Is.
func kernelError(op lvs.Op, err error) error {
	if err == nil {
		return nil
	}
	var errno syscall.Errno
	if !errors.As(err, &errno) {
		return err
	}
	if hint, ok := kernelHints[op][errno]; ok {
		return fmt.Errorf("%s: %w", hint, err)
	}
	if hint, ok := commonHints[errno]; ok {
		return fmt.Errorf("%s: %w", hint, err)
	}
	return err
}

func secs(s uint32) time.Duration { return time.Duration(s) * time.Second }
