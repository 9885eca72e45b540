package config

import (
	"bufio"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"
)

// kwSnapshot is the list of every keyword keepalived's parsers install,
// generated from keepalived's source (see testdata/keywords/gen.go).
const kwSnapshot = "testdata/keywords/keywords.txt"

// kwEntry is one line of the snapshot: a keyword and the path of the
// blocks it belongs to ("." for the top level).
type kwEntry struct {
	context, keyword string
}

func (e kwEntry) String() string { return e.context + " " + e.keyword }

// kwReadSnapshot reads the snapshot.
func kwReadSnapshot(t *testing.T) []kwEntry {
	t.Helper()
	f, err := os.Open(kwSnapshot)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []kwEntry
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		ctx, kw, ok := strings.Cut(line, " ")
		if !ok {
			t.Fatalf("%s: bad line %q", kwSnapshot, line)
		}
		out = append(out, kwEntry{ctx, kw})
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// kwWrapper opens a block of a context: its first line and the lines a
// minimal valid block needs (each may span lines; one whose keyword is the
// keyword under test is left out).
type kwWrapper struct {
	open string
	body []string
}

// kwWrappers gives, for each block keyword of a context path, a minimal
// block. Names differ from the objects of kwBase so that both can exist.
var kwWrappers = map[string]kwWrapper{
	"global_defs":        {"global_defs {", nil},
	"vrrp_instance":      {"vrrp_instance VI_T {", []string{"interface eth0", "virtual_router_id 51", "priority 100", "virtual_ipaddress {\n10.0.0.1/24\n}"}},
	"authentication":     {"authentication {", nil},
	"auth_hmac":          {"auth_hmac {", nil},
	"vrrp_sync_group":    {"vrrp_sync_group G_T {", []string{"group {\nVI_1\n}"}},
	"vrrp_script":        {"vrrp_script chk_t {", []string{"script /bin/true"}},
	"garp_group":         {"garp_group {", []string{"interface eth3", "garp_interval 0.001"}},
	"track_file":         {"track_file tf_t {", []string{"file /tmp/tf_t"}},
	"vrrp_track_file":    {"vrrp_track_file tf_t {", []string{"file /tmp/tf_t"}},
	"vrrp_track_process": {"vrrp_track_process tp_t {", []string{"process sshd"}},
	"bfd_instance":       {"bfd_instance b_t {", []string{"neighbor_ip 10.0.0.9"}},
	"track_group":        {"track_group tg_t {", nil},
	"SSL":                {"SSL {", nil},
	"virtual_server":     {"virtual_server 10.0.0.1 80 {", []string{"protocol TCP"}},
	"real_server":        {"real_server 10.0.0.2 80 {", nil},
	"HTTP_GET":           {"HTTP_GET {", []string{"url {\npath /\n}"}},
	"SSL_GET":            {"SSL_GET {", []string{"url {\npath /\n}"}},
	"url":                {"url {", []string{"path /"}},
	"TCP_CHECK":          {"TCP_CHECK {", nil},
	"UDP_CHECK":          {"UDP_CHECK {", nil},
	"PING_CHECK":         {"PING_CHECK {", nil},
	"SMTP_CHECK":         {"SMTP_CHECK {", nil},
	"host":               {"host {", []string{"connect_ip 10.0.0.5"}},
	"DNS_CHECK":          {"DNS_CHECK {", []string{"name example.com"}},
	"MISC_CHECK":         {"MISC_CHECK {", []string{"misc_path /bin/true"}},
	"FILE_CHECK":         {"FILE_CHECK {", []string{"track_file tf"}},
	"BFD_CHECK":          {"BFD_CHECK {", []string{"name b1"}},
}

// kwBase precedes the configuration under test: the objects that sample
// values refer to (VI_1, chk, tf, tp, b1).
var kwBase = []string{
	"vrrp_script chk {", "script /bin/true", "}",
	"track_file tf {", "file /tmp/tf", "}",
	"vrrp_track_process tp {", "process sshd", "}",
	"bfd_instance b1 {", "neighbor_ip 10.0.0.8", "}",
	"vrrp_instance VI_1 {", "interface eth0", "virtual_router_id 50", "priority 100",
	"virtual_ipaddress {", "10.0.0.100/24", "}", "}",
}

// kwSample is a plausible valid value of a keyword: the rest of its line
// ("" for a keyword that takes none), and for a block keyword its block,
// lines separated by "\n".
//
// Keys are "context keyword" or, for a value good in every context,
// "keyword".
var kwSamples = map[string]string{
	// Top level.
	". SSL":                      "{\n}",
	". bfd_instance":             "b2 {\nneighbor_ip 10.0.0.7\n}",
	". child_wait_time":          "5",
	". garp_group":               "{\ninterface eth1\ngarp_interval 0.001\n}",
	". global_defs":              "{\n}",
	". instance":                 "inst1",
	". interface_up_down_delays": "{\neth1 1 2\n}",
	". linkbeat_interfaces":      "{\neth1\n}",
	". linkbeat_use_polling":     "",
	". namespace_with_ipsets":    "",
	". net_namespace":            "ns1",
	". net_namespace_ipvs":       "ns1",
	". static_ipaddress":         "{\n10.1.1.1/24 dev eth1\n}",
	". static_routes":            "{\n10.2.0.0/16 via 10.1.1.254 dev eth1\n}",
	". static_rules":             "{\nfrom 10.1.1.0/24 table 100 priority 100\n}",
	". track_file":               "tf2 {\nfile /tmp/tf2\n}",
	". track_group":              "tg2 {\ngroup {\nVI_1\n}\n}",
	". use_pid_dir":              "",
	". virtual_server":           "10.0.0.5 80 {\nlb_algo rr\nlb_kind NAT\nprotocol TCP\nreal_server 10.0.0.6 80 {\n}\n}",
	". virtual_server_group":     "vsg1 {\n10.0.0.6 80\n}",
	". vrrp_instance":            "VI_2 {\ninterface eth1\nvirtual_router_id 52\npriority 100\nvirtual_ipaddress {\n10.0.0.2/24\n}\n}",
	". vrrp_script":              "chk2 {\nscript /bin/true\n}",
	". vrrp_sync_group":          "G2 {\ngroup {\nVI_1\n}\n}",
	". vrrp_track_file":          "tf3 {\nfile /tmp/tf3\n}",
	". vrrp_track_process":       "tp2 {\nprocess sshd\n}",

	// global_defs.
	"bfd_cpu_affinity":                    "0",
	"bfd_no_swap":                         "",
	"bfd_priority":                        "-5",
	"bfd_process_name":                    "ka_bfd",
	"bfd_rlimit_rtime":                    "10000",
	"bfd_rlimit_rttime":                   "10000",
	"bfd_rt_priority":                     "10",
	"checker_cpu_affinity":                "0",
	"checker_log_all_failures":            "",
	"checker_no_swap":                     "",
	"checker_priority":                    "-5",
	"checker_process_name":                "ka_checker",
	"checker_rlimit_rtime":                "10000",
	"checker_rlimit_rttime":               "10000",
	"checker_rt_priority":                 "10",
	"config_save_dir":                     "/tmp",
	"data_use_instance":                   "",
	"dbus_no_interface_name":              "none",
	"dbus_service_name":                   "org.keepalived.Vrrp2",
	"default_interface":                   "eth1",
	"disable_local_igmp":                  "",
	"dynamic_interfaces":                  "",
	"enable_dbus":                         "",
	"enable_script_security":              "",
	"enable_snmp_checker":                 "",
	"enable_snmp_keepalived":              "",
	"enable_snmp_rfc":                     "",
	"enable_snmp_rfcv2":                   "",
	"enable_snmp_rfcv3":                   "",
	"enable_snmp_vrrp":                    "",
	"enable_traps":                        "",
	"fifo_write_vrrp_states_on_reload":    "",
	"include_check":                       "",
	"iproute_etc_dir":                     "/etc/iproute2",
	"iproute_usr_dir":                     "/usr/share/iproute2",
	"json_dump_file":                      "/tmp/keepalived.json",
	"json_version":                        "2",
	"log_unknown_vrids":                   "",
	"lvs_flush":                           "",
	"lvs_flush_on_stop":                   "",
	"lvs_flush_onstop":                    "",
	"lvs_netlink_cmd_rcv_bufs":            "1048576",
	"lvs_netlink_cmd_rcv_bufs_force":      "",
	"lvs_netlink_monitor_rcv_bufs":        "1048576",
	"lvs_netlink_monitor_rcv_bufs_force":  "",
	"lvs_notify_fifo":                     "/tmp/lvs_fifo",
	"lvs_notify_fifo_script":              "/bin/true",
	"lvs_process_name":                    "ka_lvs",
	"lvs_sync_daemon":                     "eth0 VI_1",
	"lvs_timeouts":                        "tcp 900 tcpfin 120 udp 300",
	"max_auto_priority":                   "50",
	"min_auto_priority_delay":             "1000",
	"nftables":                            "keepalived",
	"nftables_counters":                   "",
	"nftables_ifindex":                    "",
	"nftables_ipvs":                       "",
	"nftables_ipvs_priority":              "-5",
	"nftables_ipvs_start_fwmark":          "1000",
	"nftables_priority":                   "-1",
	"no_checker_emails":                   "",
	"no_email_faults":                     "",
	"notification_email":                  "{\nroot@localhost\n}",
	"notification_email_from":             "keepalived@localhost",
	"notify_fifo":                         "/tmp/notify_fifo",
	"notify_fifo_script":                  "/bin/true",
	"process_monitor_rcv_bufs":            "1048576",
	"process_monitor_rcv_bufs_force":      "",
	"process_name":                        "ka",
	"process_names":                       "",
	"random_seed":                         "1",
	"reload_check_config":                 "/tmp/reload_check.log",
	"reload_file":                         "/tmp/reload",
	"reload_repeat":                       "",
	"reload_time_file":                    "/tmp/reload_time",
	"router_id":                           "node1",
	"rs_init_notifies":                    "",
	"script_user":                         "nobody",
	"set_supplementary_groups":            "",
	"shutdown_script":                     "/bin/true",
	"shutdown_script_timeout":             "10",
	"smtp_alert_checker":                  "",
	"smtp_alert_vrrp":                     "",
	"smtp_connect_timeout":                "30",
	"smtp_helo_name":                      "node1.example.com",
	"smtp_server":                         "127.0.0.1",
	"snmp_rs_stats_update_interval":       "5",
	"snmp_socket":                         "udp:localhost:705",
	"snmp_vs_stats_update_interval":       "5",
	"startup_script":                      "/bin/true",
	"startup_script_timeout":              "10",
	"state_dump_file":                     "/tmp/keepalived.state",
	"stats_dump_file":                     "/tmp/keepalived.stats",
	"tmp_config_directory":                "/tmp",
	"umask":                               "0077",
	"use_symlink_paths":                   "",
	"v3_checksum_as_v2":                   "",
	"vmac_addr_prefix":                    "00:00:5e",
	"vmac_prefix":                         "vr",
	"vrrp_check_unicast_src":              "",
	"vrrp_cpu_affinity":                   "0",
	"vrrp_delay_after_boot":               "5",
	"vrrp_down_timer_adverts":             "3",
	"vrrp_garp_extra_if":                  "60",
	"vrrp_garp_interval":                  "0.001",
	"vrrp_garp_lower_prio_delay":          "5",
	"vrrp_garp_lower_prio_repeat":         "1",
	"vrrp_garp_master_delay":              "5",
	"vrrp_garp_master_refresh":            "60",
	"vrrp_garp_master_refresh_repeat":     "1",
	"vrrp_garp_master_repeat":             "5",
	"vrrp_gna_interval":                   "0.001",
	"vrrp_higher_prio_send_advert":        "",
	"vrrp_ipsets":                         "keepalived",
	"vrrp_iptables":                       "",
	"vrrp_lower_prio_no_advert":           "",
	"vrrp_mcast_group4":                   "224.0.0.18",
	"vrrp_mcast_group6":                   "ff02::12",
	"vrrp_min_garp":                       "",
	"vrrp_netlink_cmd_rcv_bufs":           "1048576",
	"vrrp_netlink_cmd_rcv_bufs_force":     "",
	"vrrp_netlink_monitor_rcv_bufs":       "1048576",
	"vrrp_netlink_monitor_rcv_bufs_force": "",
	"vrrp_no_swap":                        "",
	"vrrp_notify_fifo":                    "/tmp/vrrp_fifo",
	"vrrp_notify_fifo_script":             "/bin/true",
	"vrrp_notify_priority_changes":        "",
	"vrrp_owner_ignore_adverts":           "",
	"vrrp_priority":                       "-5",
	"vrrp_process_name":                   "ka_vrrp",
	"vrrp_rlimit_rtime":                   "10000",
	"vrrp_rlimit_rttime":                  "10000",
	"vrrp_rt_priority":                    "10",
	"vrrp_rx_bufs_multiplier":             "4",
	"vrrp_rx_bufs_policy":                 "MTU",
	"vrrp_skip_check_adv_addr":            "",
	"vrrp_startup_delay":                  "5",
	"vrrp_strict":                         "",
	"vrrp_version":                        "3",
	"vrrp_vmac_garp_intvl":                "60",

	// vrrp_instance.
	"accept":                      "",
	"advert_int":                  "1",
	"auth_hmac":                   "{\nkey 1 0123456789abcdef0123456789abcdef\n}",
	"authentication":              "{\nauth_type PASS\nauth_pass secret\n}",
	"check_unicast_src":           "",
	"debug":                       "0",
	"dont_track_primary":          "",
	"down_timer_adverts":          "3",
	"garp_extra_if":               "60",
	"garp_lower_prio_delay":       "5",
	"garp_lower_prio_repeat":      "1",
	"garp_master_delay":           "5",
	"garp_master_refresh":         "60",
	"garp_master_refresh_repeat":  "1",
	"garp_master_repeat":          "5",
	"higher_prio_send_advert":     "",
	"kernel_rx_buf_size":          "65536",
	"linkbeat_use_polling":        "",
	"lower_prio_no_advert":        "",
	"lvs_sync_daemon_interface":   "eth0",
	"mcast_dst_ip":                "224.0.0.19",
	"mcast_src_ip":                "10.0.0.254",
	"native_ipv6":                 "",
	"no_accept":                   "",
	"no_virtual_ipaddress":        "",
	"nopreempt":                   "",
	"notify":                      "/bin/true",
	"notify_backup":               "/bin/true",
	"notify_deleted":              "/bin/true",
	"notify_fault":                "/bin/true",
	"notify_master":               "/bin/true",
	"notify_master_rx_lower_pri":  "/bin/true",
	"notify_priority_changes":     "",
	"notify_stop":                 "/bin/true",
	"old_unicast_checksum":        "",
	"owner_ignore_adverts":        "",
	"preempt":                     "",
	"preempt_delay":               "10",
	"priority":                    "150",
	"promote_secondaries":         "",
	"skip_check_adv_addr":         "",
	"smtp_alert":                  "",
	"state":                       "BACKUP",
	"strict_mode":                 "",
	"thread_timer_expired":        "",
	"timer_expired_backup":        "",
	"track_bfd":                   "{\nb1\n}",
	"track_file":                  "{\ntf\n}",
	"track_interface":             "{\neth1\n}",
	"track_process":               "{\ntp\n}",
	"track_script":                "{\nchk\n}",
	"track_src_ip":                "",
	"unicast_fault_no_peer":       "",
	"unicast_peer":                "{\n10.0.0.20\n}",
	"unicast_src_ip":              "10.0.0.254",
	"unicast_ttl":                 "64",
	"use_ipvlan":                  "",
	"use_vmac":                    "",
	"use_vmac_addr":               "",
	"version":                     "3",
	"virtual_ipaddress":           "{\n10.0.0.30/24\n}",
	"virtual_ipaddress_excluded":  "{\n10.0.0.31/24\n}",
	"virtual_router_id":           "52",
	"virtual_routes":              "{\n10.3.0.0/16 via 10.0.0.254 dev eth0\n}",
	"virtual_rules":               "{\nfrom 10.0.0.0/24 table 100 priority 101\n}",
	"vmac_garp_intvl":             "60",
	"vmac_xmit_base":              "",
	"vrf":                         "eth1",
	"vrrp_instance/auth_hmac key": "1 0123456789abcdef0123456789abcdef",
	"active_key":                  "1",
	"anti_replay":                 "monotonic",
	"mode":                        "permissive",
	"time_window":                 "30",
	"auth_pass":                   "secret",
	"auth_type":                   "PASS",

	// vrrp_script, vrrp_sync_group, track_group, garp_group, trackers.
	"fall":                       "2",
	"init_fail":                  "",
	"interval":                   "2",
	"rise":                       "2",
	"script":                     "/bin/true",
	"timeout":                    "2",
	"user":                       "nobody",
	"weight":                     "10",
	"global_tracking":            "",
	"group":                      "{\nVI_1\n}",
	"sync_group_tracking_weight": "",
	"garp_interval":              "0.001",
	"gna_interval":               "0.001",
	"interface":                  "eth1",
	"interfaces":                 "{\neth2\n}",
	"file":                       "/tmp/tf_x",
	"init_file":                  "",
	"delay":                      "1",
	"fork_delay":                 "1",
	"full_command":               "",
	"param_match":                "initial",
	"process":                    "sshd",
	"quorum":                     "1",
	"quorum_max":                 "2",
	"terminate_delay":            "1",

	// bfd_instance.
	"checker":      "",
	"hoplimit":     "64",
	"idle_tx":      "1000",
	"max_hops":     "10",
	"min_rx":       "10",
	"min_tx":       "10",
	"multihop":     "",
	"multiplier":   "5",
	"neighbor_ip":  "10.0.0.10",
	"neighbour_ip": "10.0.0.10",
	"passive":      "",
	"source_ip":    "10.0.0.254",
	"ttl":          "64",
	"vrrp":         "",

	// SSL.
	"ca":          "/tmp/ca.pem",
	"certificate": "/tmp/cert.pem",
	"key":         "/tmp/key.pem",
	"password":    "secret",

	// virtual_server and real_server.
	"alpha":                   "",
	"connect_timeout":         "5",
	"delay_before_retry":      "3",
	"delay_loop":              "10",
	"flag-1":                  "",
	"flag-2":                  "",
	"flag-3":                  "",
	"ha_suspend":              "",
	"hashed":                  "",
	"hysteresis":              "1",
	"inhibit_on_failure":      "",
	"ip_family":               "inet",
	"lb_algo":                 "rr",
	"lb_kind":                 "NAT",
	"lvs_method":              "NAT",
	"lvs_sched":               "rr",
	"mh-fallback":             "",
	"mh-port":                 "",
	"omega":                   "",
	"ops":                     "",
	"persistence_engine":      "sip",
	"persistence_granularity": "255.255.255.0",
	"persistence_timeout":     "300",
	"protocol":                "UDP",
	"quorum_down":             "/bin/true",
	"quorum_up":               "/bin/true",
	"real_server":             "10.0.0.3 80 {\n}",
	"retry":                   "3",
	"sh-fallback":             "",
	"sh-port":                 "",
	"snmp_name":               "name1",
	"sorry_server":            "10.0.0.9 80",
	"sorry_server_inhibit":    "",
	"sorry_server_lvs_method": "NAT",
	"virtualhost":             "www.example.com",
	"warmup":                  "5",
	"lthreshold":              "10",
	"uthreshold":              "100",
	"notify_down":             "/bin/true",
	"notify_up":               "/bin/true",
	"BFD_CHECK":               "{\nname b1\n}",
	"DNS_CHECK":               "{\nname example.com\n}",
	"FILE_CHECK":              "{\ntrack_file tf\n}",
	"HTTP_GET":                "{\nurl {\npath /\n}\n}",
	"MISC_CHECK":              "{\nmisc_path /bin/true\n}",
	"PING_CHECK":              "{\n}",
	"SMTP_CHECK":              "{\n}",
	"SSL_GET":                 "{\nurl {\npath /\n}\n}",
	"TCP_CHECK":               "{\n}",
	"UDP_CHECK":               "{\n}",

	// Checkers.
	"bind_if":               "eth0",
	"bind_port":             "1234",
	"bindto":                "10.0.0.254",
	"connect_ip":            "10.0.0.4",
	"connect_port":          "8080",
	"fwmark":                "5",
	"log_all_failures":      "",
	"name":                  "b1",
	"DNS_CHECK name":        "example.com",
	"type":                  "A",
	"FILE_CHECK track_file": "tf",
	"FILE_CHECK weight":     "5",
	"enable_sni":            "",
	"fast_recovery":         "",
	"http_protocol":         "1.1",
	"nb_get_retry":          "3",
	"sni_name":              "www.example.com",
	"tls_compliant":         "",
	"url":                   "{\npath /x\n}",
	"digest":                "9b3a0c85a887a256d6939da88aabd8cd",
	"path":                  "/y",
	"regex":                 "^ok",
	"regex_max_offset":      "100",
	"regex_min_offset":      "0",
	"regex_no_match":        "",
	"regex_options":         "caseless",
	"regex_stack":           "32768 65536",
	"status_code":           "200",
	"misc_dynamic":          "",
	"misc_path":             "/bin/false",
	"misc_timeout":          "5",
	"helo_name":             "node1.example.com",
	"host":                  "{\nconnect_ip 10.0.0.5\n}",
	"max_reply_length":      "100",
	"min_reply_length":      "1",
	"payload":               "00ff",
	"require_reply":         "",
	"virtual_server/real_server/BFD_CHECK weight": "5",
}

// kwExpected lists, for a keyword, the kinds of problem its sample
// legitimately gets at its own lines besides the deprecations and the
// unsupported notes every keyword may get.
var kwExpected = map[string][]Kind{
	// Sample objects nothing uses, or a sync group of one instance.
	". vrrp_script":     {KindReference},
	". vrrp_sync_group": {KindConflict},
	// keepalived is built without iptables: it says so and ignores them.
	"vrrp_iptables": {KindUnsupported},
	"vrrp_ipsets":   {KindUnsupported},
	// Scheduler flags that need the sh or mh scheduler, sorry server
	// options without a sorry server: keepalived warns, in context.
	"hashed":                  {KindConflict},
	"sh-port":                 {KindConflict},
	"sh-fallback":             {KindConflict},
	"mh-port":                 {KindConflict},
	"mh-fallback":             {KindConflict},
	"sorry_server_inhibit":    {KindConflict},
	"sorry_server_lvs_method": {KindConflict},
	// The minimal instance has IPv4 addresses and an interface.
	"native_ipv6": {KindConflict},
	"vrf":         {KindConflict},
}

// kwSampleFor returns the sample of e, most specific key first: the
// full context, its last block and the keyword alone.
func kwSampleFor(e kwEntry) (string, bool) {
	last := e.context[strings.LastIndex(e.context, "/")+1:]
	for _, k := range []string{e.String(), last + " " + e.keyword, e.keyword} {
		if v, ok := kwSamples[k]; ok {
			return v, true
		}
	}
	return "", false
}

// kwExpectedFor returns the kinds of problem allowed for e.
func kwExpectedFor(e kwEntry) []Kind {
	last := e.context[strings.LastIndex(e.context, "/")+1:]
	for _, k := range []string{e.String(), last + " " + e.keyword, e.keyword} {
		if v, ok := kwExpected[k]; ok {
			return v
		}
	}
	return nil
}

// kwConfig builds a configuration placing e with value in its context,
// after kwBase. It returns the lines and the range [first, last]
// (1-based) of the keyword's own lines.
func kwConfig(e kwEntry, value string) (lines []string, first, last int, err string) {
	var closers int
	lines = slices.Clone(kwBase)
	if e.context != "." {
		for _, b := range strings.Split(e.context, "/") {
			w, ok := kwWrappers[b]
			if !ok {
				return nil, 0, 0, "no wrapper for block " + b + " (add one to kwWrappers)"
			}
			lines = append(lines, w.open)
			for _, l := range w.body {
				if strings.Fields(l)[0] != e.keyword {
					lines = append(lines, strings.Split(l, "\n")...)
				}
			}
			closers++
		}
	}
	first = len(lines) + 1
	kw := strings.TrimSpace(e.keyword + " " + value)
	lines = append(lines, strings.Split(kw, "\n")...)
	last = len(lines)
	for range closers {
		lines = append(lines, "}")
	}
	return lines, first, last, ""
}

// TestEveryKeywordParses places each keyword keepalived has in its block
// with a plausible value and checks that it is known there and that its
// value draws no problem.
func TestEveryKeywordParses(t *testing.T) {
	for _, e := range kwReadSnapshot(t) {
		t.Run(e.String(), func(t *testing.T) {
			value, ok := kwSampleFor(e)
			if !ok {
				t.Fatalf("keyword %q (context %s) has no sample value: add one to kwSamples in keywords_test.go", e.keyword, e.context)
			}
			lines, first, last, msg := kwConfig(e, value)
			if msg != "" {
				t.Fatal(msg)
			}
			_, diags := Parse("test.conf", []byte(strings.Join(lines, "\n")+"\n"), goldenOptions())
			allowed := kwExpectedFor(e)
			for _, d := range diags {
				switch {
				case d.Kind == KindUnknown:
				case d.Pos.File != "test.conf" || d.Pos.Line < first || d.Pos.Line > last:
					continue
				case d.Kind == KindDeprecated:
					if os.Getenv("KWDEBUG") != "" {
						t.Logf("allowed: %s", d)
					}
					continue
				case d.Kind == KindUnsupported && d.Severity == Info:
					if os.Getenv("KWDEBUG") != "" {
						t.Logf("allowed: %s", d)
					}
					continue
				case slices.Contains(allowed, d.Kind):
					continue
				}
				t.Errorf("%s: %s [%s %s]\nconfig:\n%s", d.Pos, d.Msg, d.Severity, d.Kind, strings.Join(lines[:last], "\n"))
			}
		})
	}
}

// kwExtensions are keywords of keepalived-go that keepalived does not
// have, as "context keyword".
var kwExtensions = []string{
	"global_defs lvs_dataplane",
	"global_defs metrics_listen",
	"global_defs checker_notrack",
}

// kwOurTables returns our keyword tables by context, in the snapshot's
// spelling of contexts.
func kwOurTables() map[string][]string {
	return map[string][]string{
		".":                                   kwKeys(rootTable()),
		"global_defs":                         kwKeys(globalDefsTable),
		"SSL":                                 kwKeys(sslTable),
		"virtual_server":                      kwKeys(vsTable),
		"virtual_server/real_server":          kwKeys(rsTable),
		"virtual_server/real_server/HTTP_GET": kwKeys(httpGetTable),
		"virtual_server/real_server/SSL_GET":  kwKeys(sslGetTable),
		"virtual_server/real_server/HTTP_GET/url":    kwKeys(urlTable),
		"virtual_server/real_server/SSL_GET/url":     kwKeys(sslURLTable),
		"virtual_server/real_server/TCP_CHECK":       kwKeys(tcpCheckTable),
		"virtual_server/real_server/PING_CHECK":      kwKeys(pingCheckTable),
		"virtual_server/real_server/UDP_CHECK":       kwKeys(udpCheckTable),
		"virtual_server/real_server/DNS_CHECK":       kwKeys(dnsCheckTable),
		"virtual_server/real_server/MISC_CHECK":      kwKeys(miscCheckTable),
		"virtual_server/real_server/SMTP_CHECK":      kwKeys(smtpCheckTable),
		"virtual_server/real_server/SMTP_CHECK/host": kwKeys(smtpHostTable),
		"virtual_server/real_server/FILE_CHECK":      kwKeys(fileCheckTable),
		"vrrp_instance":                              kwKeys(vrrpInstanceTable),
		"vrrp_instance/authentication":               kwKeys(vrrpAuthTable),
		"vrrp_instance/auth_hmac":                    kwKeys(vrrpAuthHMACTable),
		"bfd_instance":                               kwKeys(vrrpBFDTable),
		"vrrp_script":                                kwKeys(vrrpScriptTable),
		"vrrp_sync_group":                            kwKeys(vrrpSyncGroupTable),
		"garp_group":                                 kwKeys(vrrpGarpGroupTable),
		"track_file":                                 kwKeys(vrrpTrackFileTable),
		"vrrp_track_file":                            kwKeys(vrrpTrackFileTable),
		"vrrp_track_process":                         kwKeys(vrrpTrackProcessTable),
	}
}

// kwKeys returns the keywords of a table.
func kwKeys[T any](t table[T]) []string {
	var out []string
	for k := range t {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestNoKeywordKeepalivedLacks checks the reverse: every keyword of our
// tables is one keepalived has in that context, or one of our listed
// extensions. (BFD_CHECK and track_group read their few keywords
// without a table; TestEveryKeywordParses covers them.)
func TestNoKeywordKeepalivedLacks(t *testing.T) {
	known := map[string]bool{}
	for _, e := range kwReadSnapshot(t) {
		known[e.String()] = true
	}
	for _, x := range kwExtensions {
		known[x] = true
	}
	for ctx, kws := range kwOurTables() {
		for _, k := range kws {
			if !known[ctx+" "+k] {
				t.Errorf("%s: keyword %q is not one keepalived has there (if it is our extension, add it to kwExtensions)", ctx, k)
			}
		}
	}
}

// TestKeywordHashed: keepalived has no flag for "hashed"; like sh-port it
// falls to the scheduler check, so it is refused unless the scheduler is
// sh or mh, where it is ignored quietly (check_parser.c lbflags_handler).
func TestKeywordHashed(t *testing.T) {
	for _, tc := range []struct {
		sched string
		want  []string
	}{
		{"rr", []string{"3: hashed only applies to sh scheduler - ignoring"}},
		{"sh", nil},
		{"mh", nil},
	} {
		t.Run(tc.sched, func(t *testing.T) {
			_, diags := parseGlobal(t,
				"virtual_server 10.0.0.1 80 {",
				"lb_algo "+tc.sched,
				"hashed",
				"lb_kind NAT",
				"protocol TCP",
				"real_server 10.0.0.2 80 {",
				"}",
				"}")
			if got := messages(diags); !slices.Equal(got, tc.want) {
				t.Errorf("problems:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}
