// Package lvs turns virtual_server blocks and health-check results into
// the load balancer's desired state, and reconciles a Dataplane (kernel
// IPVS or nftables) with it, one small change at a time.
package lvs
