//go:build !linux && !darwin

package main

// machineMemory returns 0: unknown on this platform (the default limit then falls
// back to defaultMemoryFallback).
func machineMemory() int64 { return 0 }
