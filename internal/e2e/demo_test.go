package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/keepalived-go/keepalived/internal/testutil/netnstest"
)

// TestDemo runs `keepalivedctl demo` as a newcomer would and checks the
// story it tells and that it leaves nothing behind.
func TestDemo(t *testing.T) {
	netnstest.Require(t)
	bin := filepath.Join(t.TempDir(), "keepalivedctl")
	if out, err := exec.Command("go", "build", "-o", bin, "../../cmd/keepalivedctl").CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	out, err := exec.Command(bin, "demo").CombinedOutput()
	if err != nil {
		t.Fatalf("demo failed: %v\n%s", err, out)
	}
	for _, want := range []string{
		"director1 is MASTER and holds 192.0.2.100",
		"(LVS-NAT, round robin)",
		"the HTTP_GET check removed web1 after",
		"client -> web2 web2 web2 web2",
		"[198.51.100.11]:tcp:80  DOWN",
		"web1 is back in the pool after",
		"director2 took over: the client's requests failed for",
		"director1 preempted (priority 150 > 100)",
		"done",
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("demo output lacks %q:\n%s", want, out)
		}
	}
	entries, _ := os.ReadDir("/run/netns")
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "kgo-demo-") {
			t.Errorf("namespace %s left behind", e.Name())
		}
	}
}
