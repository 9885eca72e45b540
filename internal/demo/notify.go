package demo

import (
	"bufio"
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// notifyScript is the path of the directors' notify script: keepalived
// runs it with the director's name (from the configuration) and its own
// arguments (GROUP VG_1 MASTER 0) on every sync-group transition; it
// appends them as one line to notify.log, which watchNotify narrates.
func (d *demo) notifyScript() string { return filepath.Join(d.dir, "notify.sh") }

func (d *demo) notifyLog() string { return filepath.Join(d.dir, "notify.log") }

// writeNotifyScript writes notify.sh (mode 0755 in the demo's 0700
// directory, so keepalived's script security has nothing to refuse).
func (d *demo) writeNotifyScript() error {
	body := "#!/bin/sh\n# keepalivedctl demo: record each notify call.\necho \"$*\" >> '" + d.notifyLog() + "'\n"
	return os.WriteFile(d.notifyScript(), []byte(body), 0o755)
}

// watchNotify narrates each new line of notify.log until ctx ends.
func (d *demo) watchNotify(ctx context.Context) {
	var off int64
	for {
		off = d.readNotify(off)
		select {
		case <-ctx.Done():
			return
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// readNotify narrates the complete lines of notify.log after offset off
// and returns the new offset.
func (d *demo) readNotify(off int64) int64 {
	f, err := os.Open(d.notifyLog())
	if err != nil {
		return off
	}
	defer f.Close()
	if _, err := f.Seek(off, 0); err != nil {
		return off
	}
	r := bufio.NewReader(f)
	for {
		line, err := r.ReadString('\n')
		if err != nil {
			return off // an incomplete line waits for the next read
		}
		off += int64(len(line))
		d.say("  notify script on %s", strings.TrimSpace(line))
	}
}
