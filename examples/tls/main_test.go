package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gosockio/gosockio/client"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestTLS(t *testing.T) {
	sio, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	cert, leaf, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(sio)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.StartTLS()
	t.Cleanup(func() {
		_ = sio.Close(context.Background())
		ts.Close()
	})

	// A client that trusts only the generated certificate.
	roots := x509.NewCertPool()
	roots.AddCert(leaf)
	tr := &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}
	t.Cleanup(tr.CloseIdleConnections)
	hc := &http.Client{Transport: tr}

	res, err := hc.Get(ts.URL + "/socket.io/?EIO=4&transport=polling")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.HasPrefix(string(body), `0{"sid":`) {
		t.Errorf("handshake = %s %q, want an open packet 0{\"sid\":...", res.Status, body)
	}

	for _, transport := range []string{"polling", "websocket"} {
		t.Run(transport, func(t *testing.T) {
			s, err := client.Connect(ts.URL, &client.Options{
				ForceNew: true, Transports: []string{transport}, HTTPClient: hc,
			})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Manager().Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			answer, err := s.EmitWithAck(ctx, "echo", "over tls")
			if err != nil {
				t.Fatal(err)
			}
			var got string
			if err := answer.Scan(&got); err != nil || got != "over tls" {
				t.Errorf("echo answered %q (%v), want %q", got, err, "over tls")
			}
			if tr := s.Manager().Transport(); tr != transport {
				t.Errorf("transport = %q, want %q", tr, transport)
			}
		})
	}
}

// TestUntrusted checks that the certificate is really checked: a client without it in
// its roots fails the handshake.
func TestUntrusted(t *testing.T) {
	sio, err := newServer()
	if err != nil {
		t.Fatal(err)
	}
	cert, _, err := selfSigned()
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewUnstartedServer(sio)
	ts.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	ts.Config.ErrorLog = log.New(io.Discard, "", 0) // the refused handshake is expected
	ts.StartTLS()
	t.Cleanup(func() {
		_ = sio.Close(context.Background())
		ts.Close()
	})
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	_, err = (&http.Client{Transport: tr}).Get(ts.URL + "/socket.io/?EIO=4&transport=polling")
	var unknown x509.UnknownAuthorityError
	if !errors.As(err, &unknown) {
		t.Errorf("GET without the certificate: err = %v, want x509.UnknownAuthorityError", err)
	}
}
