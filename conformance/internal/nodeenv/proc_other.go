//go:build !unix

package nodeenv

import "os/exec"

func setProcessGroup(*exec.Cmd) {}

// killProcessGroup kills the script only: children it spawned survive on
// systems without process groups.
func killProcessGroup(cmd *exec.Cmd) {
	if cmd.Process != nil {
		cmd.Process.Kill()
	}
}
