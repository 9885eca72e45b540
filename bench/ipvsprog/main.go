// Command ipvsprog measures how fast the checker child programs the
// kernel's IPVS, ours side by side with Debian's keepalived 2.2.7 in the
// same VM run (the vmrun VM: the host has no IPVS):
//
//   - programming: 1,000 virtual servers x 10 real servers (no checkers,
//     so every real server is added at start), timed from the daemon's
//     start until ipvsadm -Ln lists all 10,000 destinations;
//   - removal: one more virtual server has two real servers with a
//     TCP_CHECK (delay_loop 1, retry 0); its first real server's web
//     server is stopped, timed until ipvsadm no longer lists it. This is
//     mostly the check's own timing (up to delay_loop), the same for both.
//
// Each round starts ours, then keepalived (interleaved), each in a network
// namespace of its own (a first start's empty IPVS tables); the medians and
// the ratios ours/keepalived are printed.
//
//	go run ./bench/ipvsprog [-rounds 3] [-vs 1000] [-rs 10] [-ours path] [-keepalived /usr/sbin/keepalived]
package main

import (
	"bufio"
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/keepalived-go/keepalived/internal/testutil/vmrun"
)

var (
	rounds = flag.Int("rounds", 3, "rounds (the median is reported)")
	nvs    = flag.Int("vs", 1000, "virtual servers")
	nrs    = flag.Int("rs", 10, "real servers per virtual server")
	ours   = flag.String("ours", "", "keepalived-go binary (default: built from ./cmd/keepalived, static)")
	theirs = flag.String("keepalived", "/usr/sbin/keepalived", "keepalived binary")
)

// config is the same for both daemons: nvs services on 192.0.2.100,
// ports 10000..., each with nrs real servers 203.0.113.1... without
// checks; and 192.0.2.1:80 with two checked real servers on the VM's lo.
func config() string {
	var b strings.Builder
	b.WriteString(`global_defs {
    router_id bench
}
virtual_server 192.0.2.1 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
`)
	for _, rs := range []string{"198.51.100.11", "198.51.100.12"} {
		fmt.Fprintf(&b, `    real_server %s 80 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
`, rs)
	}
	b.WriteString("}\n")
	for i := range *nvs {
		fmt.Fprintf(&b, "virtual_server 192.0.2.100 %d {\n    lb_algo wrr\n    lb_kind NAT\n    protocol TCP\n", 10000+i)
		for j := range *nrs {
			fmt.Fprintf(&b, "    real_server 203.0.113.%d 8080 {\n        weight %d\n    }\n", j+1, j%3+1)
		}
		b.WriteString("}\n")
	}
	return b.String()
}

// script runs inside the VM: for each round and daemon, start it, time
// the programming, time one removal, stop it, clear the table. It prints
// "RESULT <impl> <round> <program s> <removal s>" lines.
const script = `
set -u
mkdir -p /www; echo ok > /www/index.html
want=$((NVS * NRS + 2))
for r in $(seq 1 ROUNDS); do
  for impl in ours keepalived; do
    # Each run gets a network namespace of its own, as at a director's
    # first start: the kernel keeps deleted destinations in a per-netns
    # trash for minutes and looks every new destination up in it, so
    # after a run's 10,000 the next run's additions would cost more.
    ns=b$r$impl; N="ip netns exec $ns"
    ip netns add $ns
    $N ip link set lo up
    $N ip link add d0 type dummy; $N ip link set d0 up; $N ip addr add 203.0.113.254/24 dev d0
    $N ip addr add 198.51.100.11/32 dev lo; $N ip addr add 198.51.100.12/32 dev lo
    $N busybox httpd -p 198.51.100.12:80 -h /www
    $N busybox httpd -f -p 198.51.100.11:80 -h /www & web=$!
    sleep 0.3
    # /proc/net/ip_vs is read under RCU: polling it does not hold the IPVS
    # mutex the daemon's netlink requests need (an ipvsadm -Ln dump does).
    count() { $N grep -c '^  -> [0-9A-F]' /proc/net/ip_vs; }
    t0=$EPOCHREALTIME
    $N /opt/$impl -C -n -l -D -f /opt/k.conf -p /run/k.pid -r /run/v.pid -c /run/c.pid > /tmp/$impl.log 2>&1 &
    kpid=$!
    n=0
    for i in $(seq 1 3000); do n=$(count); [ "$n" -ge "$want" ] && break; sleep 0.1; done
    t1=$EPOCHREALTIME
    if [ "$n" -lt "$want" ]; then echo "FAIL $impl programmed $n of $want"; tail -20 /tmp/$impl.log; fi
    echo "CHECK $impl ipvsadm -Ln lists $($N ipvsadm -Ln | grep -c -- '-> [0-9]') destinations"
    sleep 1
    t2=$EPOCHREALTIME
    kill $web
    for i in $(seq 1 1000); do $N ipvsadm -Ln -t 192.0.2.1:80 | grep -q 198.51.100.11 || break; sleep 0.01; done
    t3=$EPOCHREALTIME
    echo "RESULT $impl $r $(awk "BEGIN{print $t1 - $t0}") $(awk "BEGIN{print $t3 - $t2}")"
    # Not timed: stop hard (keepalived's removal of 10,000 entries one
    # by one at SIGTERM takes minutes here), clear the table, drop the
    # namespace and let the kernel finish freeing it.
    kill -9 $kpid $(cat /run/c.pid 2>/dev/null) 2>/dev/null; wait $kpid
    rm -f /run/k.pid /run/c.pid /run/v.pid
    $N ipvsadm -C
    ip netns pids $ns | xargs -r kill -9; sleep 0.2
    ip netns del $ns
    sleep 2
  done
done
grep -h -i -E 'error|fail' /tmp/ours.log /tmp/keepalived.log | grep -v -E 'TCP connection to|TCP_CHECK on service' | head -20
`

func main() {
	flag.Parse()
	runner := vmrun.Find()
	if runner == "" {
		fail(fmt.Errorf("vmrun not found (set VMRUN)"))
	}
	dir, err := os.MkdirTemp("", "kgo-ipvsprog")
	if err != nil {
		fail(err)
	}
	defer os.RemoveAll(dir)
	if *ours == "" {
		*ours = filepath.Join(dir, "keepalived-go")
		build := exec.Command("go", "build", "-o", *ours, "./cmd/keepalived")
		build.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := build.CombinedOutput(); err != nil {
			fail(fmt.Errorf("go build: %v\n%s", err, out))
		}
	}
	conf := filepath.Join(dir, "k.conf")
	if err := os.WriteFile(conf, []byte(config()), 0o644); err != nil {
		fail(err)
	}
	s := strings.NewReplacer("NVS", strconv.Itoa(*nvs), "NRS", strconv.Itoa(*nrs), "ROUNDS", strconv.Itoa(*rounds)).Replace(script)
	file := filepath.Join(dir, "bench.sh")
	if err := os.WriteFile(file, []byte(s), 0o755); err != nil {
		fail(err)
	}
	start := time.Now()
	cmd := exec.Command(runner, "-m", "ip_vs,ip_vs_rr,ip_vs_wrr,dummy", "-t", "1200", "--mem", "2048",
		"-f", *ours+":/opt/ours", "-f", *theirs+":/opt/keepalived", "-f", conf+":/opt/k.conf", "-f", file+":/opt/bench.sh",
		"-f", "/usr/sbin/ipvsadm", "-f", "/usr/sbin/ip", "--", "bash /opt/bench.sh")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err = cmd.Run()
	fmt.Fprintf(os.Stderr, "ipvsprog: VM run took %v\n", time.Since(start).Round(time.Second))
	if err != nil {
		fail(fmt.Errorf("vmrun: %v\n%s", err, out.String()))
	}
	prog := map[string][]float64{}
	rm := map[string][]float64{}
	sc := bufio.NewScanner(&out)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) == 5 && f[0] == "RESULT" {
			p, err1 := strconv.ParseFloat(f[3], 64)
			r, err2 := strconv.ParseFloat(f[4], 64)
			if err1 != nil || err2 != nil {
				fail(fmt.Errorf("bad line %q", sc.Text()))
			}
			prog[f[1]] = append(prog[f[1]], p)
			rm[f[1]] = append(rm[f[1]], r)
			fmt.Fprintf(os.Stderr, "round %s %-10s program %.2f s, removal %.3f s\n", f[2], f[1], p, r)
		} else if len(f) > 0 && (f[0] == "FAIL" || f[0] == "CHECK") {
			fmt.Fprintln(os.Stderr, "vm:", sc.Text())
		}
	}
	if len(prog["ours"]) == 0 || len(prog["keepalived"]) == 0 {
		fail(fmt.Errorf("no results:\n%s", out.String()))
	}
	po, pk := median(prog["ours"]), median(prog["keepalived"])
	ro, rk := median(rm["ours"]), median(rm["keepalived"])
	fmt.Printf("\nmedians of %d rounds in one VM (TCG, 2 vCPUs)\n", *rounds)
	fmt.Printf("%-40s %12s %12s %8s\n", "", "ours", "keepalived", "ratio")
	fmt.Printf("%-40s %11.2fs %11.2fs %8.2f  (goal <= 0.5)\n", fmt.Sprintf("program %d VS x %d RS", *nvs, *nrs), po, pk, po/pk)
	fmt.Printf("%-40s %11.3fs %11.3fs %8.2f\n", "removal (web server stop to kernel)", ro, rk, ro/rk)
	// Each round runs ours then keepalived back to back: the ratio of
	// a round's pair is less sensitive to load that drifts over the run.
	fmt.Printf("median of the rounds' ratios: program %.2f, removal %.2f\n", pairRatio(prog), pairRatio(rm))
}

func pairRatio(m map[string][]float64) float64 {
	var r []float64
	for i := range min(len(m["ours"]), len(m["keepalived"])) {
		r = append(r, m["ours"][i]/m["keepalived"][i])
	}
	return median(r)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	return s[len(s)/2]
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "ipvsprog:", err)
	os.Exit(1)
}
