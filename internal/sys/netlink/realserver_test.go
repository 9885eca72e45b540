package netlink_test

import (
	"github.com/keepalived-go/keepalived/internal/realserver"
	"github.com/keepalived-go/keepalived/internal/sys/netlink"
)

// The handle is the real server setup's System (keepalivedctl realserver;
// tested in a namespace by internal/cli's TestIntegrationRealServer).
var _ realserver.System = netlink.RealServer{}
