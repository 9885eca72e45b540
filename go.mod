module github.com/keepalived-go/keepalived

go 1.26.8
