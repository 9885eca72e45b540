package proc

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestFIFOCreatedWrittenRemoved(t *testing.T) {
	path := filepath.Join(t.TempDir(), "notify.fifo")
	f, err := OpenFIFO(path, "", "")
	if err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil || st.Mode()&os.ModeNamedPipe == 0 || st.Mode().Perm() != 0o644 {
		t.Fatalf("fifo: %v %v", st.Mode(), err)
	}
	r, err := os.OpenFile(path, os.O_RDONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if _, err := f.Write([]byte("INSTANCE \"VI_1\" MASTER 100\n")); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(r).ReadString('\n')
	if err != nil || line != "INSTANCE \"VI_1\" MASTER 100\n" {
		t.Fatalf("read %q, %v", line, err)
	}
	// With nobody reading, writes never block: a full pipe loses lines.
	big := []byte(strings.Repeat("x", 4096))
	full := false
	for range 64 {
		if _, err := f.Write(big); err != nil {
			full = true
			break
		}
	}
	if !full {
		t.Fatal("256 KiB went into a FIFO nobody reads: writes must fail when it is full")
	}
	f.Close()
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Fatalf("the fifo we created is still there: %v", err)
	}
}

func TestFIFORefusesARegularFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "planted")
	os.WriteFile(path, nil, 0o644)
	if _, err := OpenFIFO(path, "", ""); err == nil || !strings.Contains(err.Error(), "not a fifo we own") {
		t.Fatalf("regular file accepted: %v", err)
	}
}
