package main

import (
	"os"
	"syscall"
)

func syscallUSR2() os.Signal { return syscall.SIGUSR2 }
