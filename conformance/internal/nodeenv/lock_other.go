//go:build !unix

package nodeenv

// lockFile has no cross-process lock outside unix: parallel test binaries that
// both find node_modules missing may both run npm ci. Install once by hand
// (`npm ci` in conformance/node) on such systems.
func lockFile(string) (unlock func(), err error) {
	return func() {}, nil
}
