// cpaths is the C test program of wasirun's tests, built by internal/testguest
// with clang --target=wasm32-wasi against Debian's wasi-libc: wasi-libc resolves
// paths through the preopens itself, differently from Go's runtime.
//
//	cpaths cwd              getcwd()
//	cpaths cat PATH...      "PATH: <first line>" for each file, or "PATH: missing"
//	cpaths write PATH TEXT  create or truncate PATH and write TEXT to it
#include <stdio.h>
#include <string.h>
#include <unistd.h>

int main(int argc, char **argv) {
	if (argc >= 2 && strcmp(argv[1], "cwd") == 0) {
		char buf[4096];
		if (!getcwd(buf, sizeof buf)) {
			perror("getcwd");
			return 1;
		}
		printf("%s\n", buf);
		return 0;
	}
	if (argc >= 2 && strcmp(argv[1], "cat") == 0) {
		for (int i = 2; i < argc; i++) {
			FILE *f = fopen(argv[i], "r");
			if (!f) {
				printf("%s: missing\n", argv[i]);
				continue;
			}
			char line[256] = {0};
			if (!fgets(line, sizeof line, f)) {
				line[0] = '\n';
			}
			printf("%s: %s", argv[i], line);
			fclose(f);
		}
		return 0;
	}
	if (argc == 4 && strcmp(argv[1], "write") == 0) {
		FILE *f = fopen(argv[2], "w");
		if (!f || fputs(argv[3], f) < 0 || fclose(f) != 0) {
			perror(argv[2]);
			return 1;
		}
		return 0;
	}
	fprintf(stderr, "usage: cpaths cwd | cat PATH... | write PATH TEXT\n");
	return 2;
}
