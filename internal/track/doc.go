// Package track decides what keepalived's trackers say about VRRP
// instances: vrrp_script results with rise and fall, track_file values,
// vrrp_track_process quorums, and the priority arithmetic that turns the
// state of every tracker of an instance into its total priority and its
// FAULT reasons (keepalived/vrrp/vrrp_track.c, vrrp_scheduler.c,
// trackers/track_file.c, core/track_process.c).
//
// The package never touches the operating system: scripts run through an
// injected Runner (internal/sys/exec in the daemon), files are read
// through an injected reader, /proc is an fs.FS. Time is the time package,
// so tests use testing/synctest.
package track
