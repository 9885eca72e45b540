package e2e

import (
	"strings"
	"testing"
)

// notrackScenario is an LVS-NAT director on the real kernel IPVS behind
// a stateful firewall (input policy drop, established accepted: conntrack
// runs), with checker_notrack. The firewall also accepts untracked
// packets from the real servers, as docs/configuration.md asks. While
// only the checks run, the director holds no conntrack entry; with the
// untracked rule removed the checks' replies are dropped and the real
// servers leave the pool, which shows the checks really are untracked.
// The conntrack entries are listed (conntrack -L) and those of the real
// servers' addresses counted: before the client's requests, any of
// them would be a check's.
const notrackScenario = `
set -u
# No IPv6: the interfaces' router solicitations would be conntrack entries.
echo 1 > /proc/sys/net/ipv6/conf/default/disable_ipv6; echo 1 > /proc/sys/net/ipv6/conf/all/disable_ipv6
` + vmNATLab + `nft -f - <<'FW'
table inet fw {
  chain input {
    type filter hook input priority 0; policy drop;
    iif lo accept
    ct state established,related accept
    tcp dport 80 accept
    ip saddr 198.51.100.0/24 ct state untracked accept comment "checker_notrack"
  }
}
FW
cat > /opt/k.conf <<'CONF'
global_defs {
    lvs_dataplane ipvs
    checker_notrack
}
virtual_server 192.0.2.100 80 {
    delay_loop 1
    lb_algo rr
    lb_kind NAT
    protocol TCP
    real_server 198.51.100.11 80 {
        TCP_CHECK {
            connect_timeout 1
            retry 0
        }
    }
    real_server 198.51.100.12 80 {
        HTTP_GET {
            url {
                path /
                status_code 200
            }
            connect_timeout 1
            retry 0
        }
    }
}
CONF
/opt/keepalived -C -n -l -D -f /opt/k.conf -p /run/k.pid -r /run/v.pid -c /run/c.pid > /tmp/k.log 2>&1 &
both() { ipvsadm -Ln | grep -q 198.51.100.11 && ipvsadm -Ln | grep -q 198.51.100.12; }
none() { ! ipvsadm -Ln | grep -q 198.51.100.1[12]; }
for n in $(seq 1 60); do both && break; sleep 0.5; done
both && echo "STEP both-up"
nft list table inet keepalived_go_notrack > /dev/null && echo "STEP notrack-table"
sleep 4
# Only the checks' entries count: the bridge's IGMP reports, say, are
# tracked too (224.0.0.22, protocol 2) whenever they come after the
# firewall loaded conntrack.
rsflows() { conntrack -L 2>/dev/null | grep -c 'src=198[.]51[.]100[.]1[12] \|dst=198[.]51[.]100[.]1[12] '; }
conntrack -L > /tmp/ct && echo "STEP conntrack-listed"
echo "CONNTRACK $(rsflows)"
sed 's/^/CT /' /tmp/ct
# The control: the director's own unmarked request to rs1 is counted.
curl -s --max-time 2 http://198.51.100.11/ > /dev/null
echo "CONNTRACK_CONTROL $(rsflows)"
` + vmClientAsk + `[ "$(ask)" = "rs1 rs1 rs2 rs2 " ] && echo "STEP both-served"
nft delete rule inet fw input handle $(nft -a list chain inet fw input | sed -n 's/.*"checker_notrack" # handle \([0-9]*\).*/\1/p')
for n in $(seq 1 60); do none && break; sleep 0.5; done
none && echo "STEP dropped-untracked-removes-both"
kill -TERM $(cat /run/k.pid); sleep 2
nft list table inet keepalived_go_notrack > /dev/null 2>&1 || echo "STEP notrack-table-removed"
ipvsadm -Ln
cat /tmp/k.log
`

// TestKernelIPVSCheckerNotrack runs checker_notrack with the kernel IPVS
// dataplane on a director whose stateful firewall loads conntrack: the
// checks (TCP_CHECK and HTTP_GET) pass through the firewall untracked
// and leave no conntrack entry, client traffic is balanced, dropping
// untracked packets fails both checks, and the table goes at stop.
func TestKernelIPVSCheckerNotrack(t *testing.T) {
	out := bootScenarioWith(t, notrackScenario, 240,
		[]string{"nf_tables", "nft_ct", "nft_socket", "nf_conntrack", "nf_conntrack_netlink"}, []string{"/usr/sbin/nft", "/usr/sbin/conntrack"})
	for _, step := range []string{"both-up", "notrack-table", "conntrack-listed", "both-served", "dropped-untracked-removes-both", "notrack-table-removed"} {
		if !strings.Contains(out, "STEP "+step) {
			t.Errorf("step %s did not happen", step)
		}
	}
	if n, ok := field(out, "CONNTRACK "); !ok || n != "0" {
		t.Errorf("conntrack entries of the real servers while only the checks ran: %q, want 0", n)
	}
	if n, ok := field(out, "CONNTRACK_CONTROL "); !ok || n == "0" {
		t.Errorf("conntrack entries after an unmarked request to a real server: %q, want 1 or more", n)
	}
	if !strings.Contains(out, "checker_notrack: the checkers' connections (mark 0x4b47) bypass conntrack") {
		t.Error("the daemon did not log checker_notrack")
	}
	if t.Failed() {
		t.Logf("VM output:\n%s", out)
	}
}
