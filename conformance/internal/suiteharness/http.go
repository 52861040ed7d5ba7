package suiteharness

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
)

// Reply is an HTTP response read in full.
type Reply struct {
	Status int
	Body   string
	Header http.Header
}

// Do sends one HTTP request to base with the given query, using client, and
// reads the response in full. A non-empty body is sent as text/plain; a
// non-empty tag is sent in the header tagHeader, so that the suite can tell
// when the server has the request. It is safe to call from any goroutine.
func Do(ctx context.Context, client *http.Client, base, tagHeader, method, query, body, tag string) (Reply, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, base+"?"+query, rd)
	if err != nil {
		return Reply{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "text/plain;charset=UTF-8")
	}
	if tag != "" {
		req.Header.Set(tagHeader, tag)
	}
	resp, err := client.Do(req)
	if err != nil {
		return Reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return Reply{}, fmt.Errorf("read body of %s ?%s: %w", method, query, err)
	}
	return Reply{Status: resp.StatusCode, Body: string(b), Header: resp.Header}, nil
}

// WantBody fails t unless r is a 200 with body want; what names the request.
func WantBody(t TB, what string, r Reply, want string) {
	t.Helper()
	if r.Status != http.StatusOK || r.Body != want {
		t.Fatalf("%s: %d %q, want 200 %q", what, r.Status, r.Body, want)
	}
}

// CloseWhilePolling sends a GET of query tagged tag and, once the server has
// it (arrived is closed), POSTs closeBody (a close packet) and wants "ok". It
// returns the GET's reply. As in the suites, the GET must be pending when the
// close arrives: the POST leaves only after the GET has reached the server.
// do is the suite's [Do] bound to its server; ctx bounds both requests.
func CloseWhilePolling(ctx context.Context, t TB, do func(ctx context.Context, method, query, body, tag string) (Reply, error), tag string, arrived <-chan struct{}, query, closeBody string) Reply {
	t.Helper()
	type result struct {
		r   Reply
		err error
	}
	done := make(chan result, 1)
	// Ends when the server answers the GET or ctx ends; the case waits for it.
	go func() {
		r, err := do(ctx, http.MethodGet, query, "", tag)
		done <- result{r, err}
	}()
	select {
	case <-arrived:
	case res := <-done:
		t.Fatalf("the GET finished before the close was sent: %v %v", res.r, res.err)
	}
	post, err := do(ctx, http.MethodPost, query, closeBody, "")
	res := <-done
	if err != nil || res.err != nil {
		t.Fatalf("close while polling: GET %v, POST %v", res.err, err)
	}
	WantBody(t, "POST close", post, "ok")
	return res.r
}
