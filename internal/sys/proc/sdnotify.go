package proc

import sd "github.com/coreos/go-systemd/v22/daemon"

// SdNotify tells systemd (Type=notify) about the daemon's state:
// "READY=1", "RELOADING=1", "STOPPING=1". Without NOTIFY_SOCKET it does
// nothing; errors are ignored, as systemd's own clients do.
func SdNotify(state string) {
	_, _ = sd.SdNotify(false, state)
}
