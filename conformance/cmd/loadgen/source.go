package main

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strings"
	"time"
)

// checkTransport validates -transport, -source and -ready (parse calls it last) and
// fills cfg.sources.
func checkTransport(cfg *config) error {
	switch cfg.transport {
	case "websocket":
	case "polling":
		if cfg.scenario != "echo" {
			return fmt.Errorf("-transport polling: only the echo scenario runs over polling (got %q)", cfg.scenario)
		}
		if cfg.eio != 4 {
			return errors.New("-transport polling speaks Engine.IO 4 only; drop -eio 3")
		}
	default:
		return fmt.Errorf("-transport %q: use websocket or polling", cfg.transport)
	}
	if cfg.scenario == "idle" && cfg.eio != 4 {
		return errors.New("the idle scenario speaks Engine.IO 4 only; drop -eio 3")
	}
	if cfg.ready != "" && cfg.scenario != "idle" {
		return errors.New("-ready applies to the idle scenario only")
	}
	if cfg.source == "" {
		return nil
	}
	if cfg.scenario != "idle" && cfg.transport != "polling" {
		return errors.New("-source applies to the idle scenario and to -transport polling only")
	}
	for _, s := range strings.Split(cfg.source, ",") {
		ip := net.ParseIP(strings.TrimSpace(s))
		if ip == nil {
			return fmt.Errorf("-source %q: %q is not an IP address", cfg.source, s)
		}
		cfg.sources = append(cfg.sources, ip)
	}
	return nil
}

// splitURLs returns the comma-separated -url bases.
func splitURLs(bases string) []string {
	var out []string
	for _, b := range strings.Split(bases, ",") {
		out = append(out, strings.TrimSpace(b))
	}
	return out
}

// sourceDialer returns the dialer for connection i: bound to -source address
// i mod K, or unbound without -source. One local address gives one server port
// about 28k connections (net.ipv4.ip_local_port_range); each more address adds as
// many.
func (r *runner) sourceDialer(i int) *net.Dialer {
	d := &net.Dialer{Timeout: r.cfg.timeout, KeepAlive: -1}
	if len(r.cfg.sources) > 0 {
		d.LocalAddr = &net.TCPAddr{IP: r.cfg.sources[i%len(r.cfg.sources)]}
	}
	return d
}

// httpTransport returns an HTTP transport whose connections come from d, keeping
// up to idle connections per host alive for reuse.
func httpTransport(d *net.Dialer, idle int) *http.Transport {
	return &http.Transport{
		DialContext:         d.DialContext,
		MaxIdleConns:        idle,
		MaxIdleConnsPerHost: idle,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
		ForceAttemptHTTP2:   false,
	}
}
