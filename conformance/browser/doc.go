// Package browser tests gosockio from a real browser: headless Chromium, driven by
// playwright-core (conformance/node/browser-*.js), talks to our servers through the
// official socket.io-client browser bundle.
//
// The tests need node (see internal/nodeenv) and Chromium at /usr/bin/chromium. When
// Chromium is missing they install it with `apt-get update && apt-get install -y
// chromium` (as CI does; this needs root); without apt-get they skip with a loud message
// naming what to install. Screenshots of each run are kept under
// conformance/node/.artifacts/ (gitignored) and their paths logged.
//
//	cd conformance && go test -race ./browser
package browser
