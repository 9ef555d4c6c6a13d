// initcopy is the `cp` of the instrumentation-nodejs image (images/definitions.ts): the whole
// program of the init container that the injection runs as
//
//	cp -r /instrumentation/. /otel-auto-instrumentation-nodejs
//
// (infra/injection/languages.ts). It implements that form of cp and no more: -r or -R, one source,
// one destination; SOURCE/. copies the folder's content into DESTINATION. Files already there are
// replaced, so a restarted init container succeeds. It is static and needs no shell, so the image
// carries nothing else. On success it prints one line to stderr: files, bytes, time and peak memory.
package main

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"
)

const usage = "usage: cp -r SOURCE DESTINATION (SOURCE/. copies the content of SOURCE into DESTINATION)"

type stats struct{ files, dirs, bytes int64 }

func main() {
	start := time.Now()
	args := os.Args[1:]
	if len(args) != 3 || (args[0] != "-r" && args[0] != "-R") {
		fmt.Fprintln(os.Stderr, usage)
		os.Exit(2)
	}
	source, destination := args[1], args[2]
	info, err := os.Stat(source)
	if err != nil {
		fail(err)
	}
	if !info.IsDir() {
		fail(fmt.Errorf("%s: not a folder (%s)", source, usage))
	}
	// cp -r SRC DEST: DEST/<base of SRC> when DEST is an existing folder, else DEST itself.
	// SRC/. : always the content of SRC into DEST.
	target := destination
	if !strings.HasSuffix(source, "/.") {
		if dest, err := os.Stat(destination); err == nil && dest.IsDir() {
			target = filepath.Join(destination, filepath.Base(filepath.Clean(source)))
		}
	}
	var s stats
	if err := copyTree(filepath.Clean(source), target, &s); err != nil {
		fail(err)
	}
	var usage syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &usage)
	fmt.Fprintf(os.Stderr, "cp: copied %d files in %d folders, %d bytes, into %s in %d ms (peak RSS %d KiB)\n",
		s.files, s.dirs, s.bytes, target, time.Since(start).Milliseconds(), usage.Maxrss)
}

func fail(err error) {
	fmt.Fprintf(os.Stderr, "cp: %v\n", err)
	os.Exit(1)
}

func copyTree(source, target string, s *stats) error {
	return filepath.WalkDir(source, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(source, p)
		if err != nil {
			return err
		}
		to := filepath.Join(target, rel)
		info, err := d.Info()
		if err != nil {
			return err
		}
		switch {
		case d.IsDir():
			s.dirs++
			if err := os.MkdirAll(to, 0o755); err != nil {
				return err
			}
			return nil
		case d.Type()&fs.ModeSymlink != 0:
			link, err := os.Readlink(p)
			if err != nil {
				return err
			}
			_ = os.Remove(to)
			return os.Symlink(link, to)
		case d.Type().IsRegular():
			s.files++
			n, err := copyFile(p, to, info.Mode().Perm())
			s.bytes += n
			return err
		default:
			return fmt.Errorf("%s: neither a file, a folder nor a symbolic link", p)
		}
	})
}

func copyFile(from, to string, perm fs.FileMode) (int64, error) {
	in, err := os.Open(from)
	if err != nil {
		return 0, err
	}
	defer in.Close()
	out, err := os.OpenFile(to, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, perm)
	if err != nil {
		return 0, err
	}
	n, err := io.Copy(out, in)
	if closeErr := out.Close(); err == nil {
		err = closeErr
	}
	return n, err
}
