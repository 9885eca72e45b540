package realserver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

// DefaultDir is where the state files live.
const DefaultDir = "/run/keepalived-go"

// Store keeps one State per device as JSON in Dir, in the file
// realserver-DEV.json (for example /run/keepalived-go/realserver-lo.json).
// /run is emptied at boot, as the settings it describes are.
type Store struct {
	Dir string
}

// Path is the state file of dev.
func (s Store) Path(dev string) string {
	return filepath.Join(s.Dir, "realserver-"+dev+".json")
}

// Load returns dev's saved state, or nil when there is none.
func (s Store) Load(dev string) (*State, error) {
	if err := checkDev(dev); err != nil {
		return nil, err
	}
	b, err := os.ReadFile(s.Path(dev))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read state: %w", err)
	}
	var st State
	if err := json.Unmarshal(b, &st); err != nil {
		return nil, fmt.Errorf("state file %s: %w", s.Path(dev), err)
	}
	if st.Dev != dev {
		return nil, fmt.Errorf("state file %s: it is for device %q", s.Path(dev), st.Dev)
	}
	return &st, nil
}

// Save writes st (replacing the file in one rename), or removes dev's
// file when st is nil.
func (s Store) Save(dev string, st *State) error {
	if err := checkDev(dev); err != nil {
		return err
	}
	if st == nil {
		err := os.Remove(s.Path(dev))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("remove state: %w", err)
		}
		return nil
	}
	b, err := json.MarshalIndent(st, "", "  ")
	if err != nil {
		return err
	}
	if err := os.MkdirAll(s.Dir, 0o755); err != nil {
		return fmt.Errorf("state directory: %w", err)
	}
	tmp := s.Path(dev) + ".tmp"
	if err := os.WriteFile(tmp, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write state: %w", err)
	}
	if err := os.Rename(tmp, s.Path(dev)); err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write state: %w", err)
	}
	return nil
}

// checkDev refuses a device name that could not be an interface (and
// would escape Dir).
func checkDev(dev string) error {
	if dev == "" || len(dev) > 15 || strings.ContainsAny(dev, "/ \t\n") || dev == "." || dev == ".." {
		return fmt.Errorf("%q is not an interface name", dev)
	}
	return nil
}
