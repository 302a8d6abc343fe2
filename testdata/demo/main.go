// Command hello is the demo guest of wasirun: a Go WASI program that greets the user
// with a text read from the package's data volume, shows the arguments and the
// environment the runner gave it, and, when a host directory is mapped at /notes,
// reads the notes there and leaves a reply beside them.
//
// Build it with: GOOS=wasip1 GOARCH=wasm go build -o hello.wasm .
package main

import (
	"fmt"
	"os"
	"strings"
)

func main() {
	file := os.Getenv("DEMO_GREETING_FILE")
	if file == "" {
		file = "/data/greeting.txt"
	}
	greeting, err := os.ReadFile(file)
	if err != nil {
		fmt.Fprintf(os.Stderr, "hello: %v\n", err)
		os.Exit(1)
	}
	name := "world"
	var flags []string
	for _, a := range os.Args[1:] {
		if strings.HasPrefix(a, "--") {
			flags = append(flags, a)
		} else {
			name = a
		}
	}
	fmt.Printf("%s, %s!\n", strings.TrimSpace(string(greeting)), name)
	fmt.Printf("argv: %q\n", os.Args)
	if len(flags) > 0 {
		fmt.Printf("flags: %s\n", strings.Join(flags, " "))
	}
	if v := os.Getenv("DEMO_MOOD"); v != "" {
		fmt.Printf("mood: %s\n", v)
	}
	if entries, err := os.ReadDir("/data"); err == nil {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		fmt.Printf("/data holds: %s\n", strings.Join(names, ", "))
	}
	if entries, err := os.ReadDir("/notes"); err == nil {
		for _, e := range entries {
			if b, err := os.ReadFile("/notes/" + e.Name()); err == nil && !e.IsDir() {
				fmt.Printf("note %s: %s\n", e.Name(), strings.TrimSpace(string(b)))
			}
		}
		reply := fmt.Sprintf("%s was here\n", name)
		if err := os.WriteFile("/notes/reply.txt", []byte(reply), 0o644); err != nil {
			fmt.Fprintf(os.Stderr, "hello: %v\n", err)
			os.Exit(1)
		}
		fmt.Println("wrote /notes/reply.txt")
	}
}
