package track

import (
	"context"
	"io/fs"
	"strconv"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/keepalived-go/keepalived/internal/config"
)

func TestParseFileValue(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"", 0, true},
		{"0", 0, true},
		{"5\n", 5, true},
		{"  -30 trailing", -30, true},
		{"+7", 7, true},
		{"0x1f", 31, true},
		{"0X1F", 31, true},
		{"010", 8, true},
		{"09", 0, true}, // octal: stops at 9
		{"0x", 0, true},
		{"0xg", 0, true},
		{"abc", 0, true},
		{"\t\n 12", 12, true},
		{"2147483647", 2147483647, true},
		{"2147483648", 2147483648, true},
		{"2147483649", 2147483649, false},
		{"-2147483648", -2147483648, true},
		{"-2147483649", -2147483649, false},
		{"99999999999999999999999", 0, false},
	}
	for _, tt := range tests {
		v, ok := ParseFileValue([]byte(tt.in))
		if v != tt.want || ok != tt.ok {
			t.Errorf("ParseFileValue(%q) = %d, %v; want %d, %v", tt.in, v, ok, tt.want, tt.ok)
		}
	}
}

func FuzzParseFileValue(f *testing.F) {
	for _, s := range []string{"", "5\n", "-30", "0x1f", "010", " +2147483648", "9999999999999999999999", "0x"} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		v, ok := ParseFileValue(b)
		if ok && (v < -1<<31 || v > 1<<31) {
			t.Fatalf("ok value %d out of range", v)
		}
		// A plain decimal number reads back as itself.
		if ok {
			if w, ok2 := ParseFileValue([]byte(strconv.FormatInt(v, 10))); !ok2 || w != v {
				t.Fatalf("round trip of %d gave %d %v", v, w, ok2)
			}
		}
	})
}

type fakeFiles struct {
	mu sync.Mutex
	m  map[string]string
}

func (f *fakeFiles) set(name, v string) { f.mu.Lock(); f.m[name] = v; f.mu.Unlock() }

func (f *fakeFiles) read(name string) ([]byte, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.m[name]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return []byte(v), nil
}

func TestFileUpdate(t *testing.T) {
	ff := &fakeFiles{m: map[string]string{}}
	f := NewFile(&config.TrackFile{Name: "F", File: "/x"}, ff.read, nil)
	if f.Value() != 0 {
		t.Fatalf("missing file reads %d", f.Value())
	}
	steps := []struct {
		content string
		changed bool
		value   int64
	}{
		{"0\n", false, 0},
		{"5\n", true, 5},
		{"5", false, 5},
		{"99999999999", false, 5}, // ignored
		{"-3", true, -3},
	}
	for _, s := range steps {
		ff.set("/x", s.content)
		ev, changed := f.Update()
		if changed != s.changed || f.Value() != s.value || (changed && ev != FileEvent{"F", s.value}) {
			t.Errorf("content %q: event %v %v, value %d; want changed %v value %d", s.content, ev, changed, f.Value(), s.changed, s.value)
		}
	}
}

func TestFileRunPolls(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ff := &fakeFiles{m: map[string]string{"/x": "1"}}
		f := NewFile(&config.TrackFile{Name: "F", File: "/x"}, ff.read, nil)
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		out := make(chan FileEvent, 1)
		go f.Run(ctx, time.Second, out)
		time.Sleep(1500 * time.Millisecond)
		ff.set("/x", "7")
		if ev := <-out; ev != (FileEvent{"F", 7}) {
			t.Fatalf("event %v", ev)
		}
	})
}

func TestInitFile(t *testing.T) {
	if _, _, ok := InitFile(&config.TrackFile{}); ok {
		t.Error("init_file without the keyword")
	}
	data, ow, ok := InitFile(&config.TrackFile{InitFile: &config.TrackFileInit{Value: -5, Overwrite: true}})
	if !ok || !ow || string(data) != "-5\n" {
		t.Errorf("InitFile = %q %v %v", data, ow, ok)
	}
}
