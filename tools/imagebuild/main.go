// imagebuild writes one multi-platform OCI image index, described as data (JSON on stdin), to an
// OCI layout folder or to a registry, with go-containerregistry: no Docker engine, no Dockerfile.
// `npm run images` (images/) prepares the inputs and calls it once per image.
//
//	imagebuild --layout DIR < spec.json     append the index to the OCI layout DIR (created if absent)
//	imagebuild --push REPO:TAG < spec.json  push the index (and its images) to a registry
//
// It prints a JSON summary: the index digest and, per platform, the manifest, config and layers.
// Reproducible by construction: entries are written in sorted order with the spec's timestamp,
// fixed owners and normalised modes, so the same inputs give the same digests.
package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// Spec is one image: an index of per-platform images that share annotations and a timestamp.
type Spec struct {
	// Created is the images' creation time and every file's modification time (RFC 3339).
	Created     time.Time         `json:"created"`
	Annotations map[string]string `json:"annotations"`
	Platforms   []PlatformSpec    `json:"platforms"`
}

// PlatformSpec is the image of one platform.
type PlatformSpec struct {
	OS           string      `json:"os"`
	Architecture string      `json:"architecture"`
	Variant      string      `json:"variant,omitempty"`
	Config       ImageConfig `json:"config"`
	Layers       []LayerSpec `json:"layers"`
}

// ImageConfig is the runtime part of the OCI image config.
type ImageConfig struct {
	User         string            `json:"user"`
	Entrypoint   []string          `json:"entrypoint"`
	Cmd          []string          `json:"cmd,omitempty"`
	Env          []string          `json:"env,omitempty"`
	WorkingDir   string            `json:"workingDir,omitempty"`
	ExposedPorts []string          `json:"exposedPorts,omitempty"`
	Labels       map[string]string `json:"labels,omitempty"`
}

// LayerSpec is one layer: what it holds and a line for the image history.
type LayerSpec struct {
	Comment string  `json:"comment"`
	Entries []Entry `json:"entries"`
}

// Entry puts one thing at Path in the image: a host file or folder (Source, folders recursively),
// inline Content, or a symbolic link (Symlink). Parent folders are added as root-owned 0755.
type Entry struct {
	Path    string  `json:"path"`
	Source  string  `json:"source,omitempty"`
	Content *string `json:"content,omitempty"`
	Symlink string  `json:"symlink,omitempty"`
	// Mode of a file from Content; files from Source get 0755 when executable, else 0644.
	Mode int `json:"mode,omitempty"`
	UID  int `json:"uid,omitempty"`
	GID  int `json:"gid,omitempty"`
}

// Summary is what the caller learns about the written index.
type Summary struct {
	Digest    string            `json:"digest"`
	MediaType string            `json:"mediaType"`
	Size      int64             `json:"size"`
	Manifests []ManifestSummary `json:"manifests"`
}

type ManifestSummary struct {
	Platform string         `json:"platform"`
	Digest   string         `json:"digest"`
	Config   string         `json:"config"`
	Layers   []LayerSummary `json:"layers"`
}

type LayerSummary struct {
	Digest string `json:"digest"`
	// Size is the compressed size (what a registry stores and a node pulls).
	Size             int64 `json:"size"`
	UncompressedSize int64 `json:"uncompressedSize"`
	Files            int   `json:"files"`
}

func main() {
	layoutDir := flag.String("layout", "", "append the image index to the OCI layout in this folder")
	push := flag.String("push", "", "push the image index to this reference (registry/repository:tag)")
	flag.Parse()
	if (*layoutDir == "") == (*push == "") {
		fail("give exactly one of --layout DIR or --push REFERENCE")
	}
	var spec Spec
	decoder := json.NewDecoder(os.Stdin)
	decoder.DisallowUnknownFields()
	if err := decoder.Decode(&spec); err != nil {
		fail("reading the image spec from stdin: %v", err)
	}
	index, summary, err := build(spec)
	if err != nil {
		fail("%v", err)
	}
	if *layoutDir != "" {
		err = writeLayout(*layoutDir, index, spec.Annotations)
	} else {
		err = pushIndex(*push, index)
	}
	if err != nil {
		fail("%v", err)
	}
	out, _ := json.MarshalIndent(summary, "", "  ")
	fmt.Println(string(out))
}

func fail(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "imagebuild: "+format+"\n", args...)
	os.Exit(1)
}

func build(spec Spec) (v1.ImageIndex, Summary, error) {
	if len(spec.Platforms) == 0 {
		return nil, Summary{}, fmt.Errorf("the spec has no platforms")
	}
	created := v1.Time{Time: spec.Created.UTC()}
	index := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	summary := Summary{MediaType: string(types.OCIImageIndex)}
	for _, platform := range spec.Platforms {
		image, manifest, err := buildImage(platform, spec.Created.UTC(), created, spec.Annotations)
		if err != nil {
			return nil, Summary{}, fmt.Errorf("%s/%s: %w", platform.OS, platform.Architecture, err)
		}
		index = mutate.AppendManifests(index, mutate.IndexAddendum{
			Add: image,
			Descriptor: v1.Descriptor{
				Platform: &v1.Platform{OS: platform.OS, Architecture: platform.Architecture, Variant: platform.Variant},
			},
		})
		summary.Manifests = append(summary.Manifests, manifest)
	}
	index = mutate.Annotations(index, spec.Annotations).(v1.ImageIndex)
	digest, err := index.Digest()
	if err != nil {
		return nil, Summary{}, err
	}
	size, err := index.Size()
	if err != nil {
		return nil, Summary{}, err
	}
	summary.Digest, summary.Size = digest.String(), size
	return index, summary, nil
}

func buildImage(p PlatformSpec, mtime time.Time, created v1.Time, annotations map[string]string) (v1.Image, ManifestSummary, error) {
	platform := p.OS + "/" + p.Architecture
	if p.Variant != "" {
		platform += "/" + p.Variant
	}
	summary := ManifestSummary{Platform: platform}
	image := mutate.MediaType(empty.Image, types.OCIManifestSchema1)
	image = mutate.ConfigMediaType(image, types.OCIConfigJSON)
	for _, spec := range p.Layers {
		data, files, err := layerTar(spec.Entries, mtime)
		if err != nil {
			return nil, summary, fmt.Errorf("layer %q: %w", spec.Comment, err)
		}
		layer, err := tarball.LayerFromOpener(
			func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(data)), nil },
			tarball.WithMediaType(types.OCILayer),
			tarball.WithCompressionLevel(gzip.DefaultCompression),
			tarball.WithCompressedCaching,
		)
		if err != nil {
			return nil, summary, err
		}
		image, err = mutate.Append(image, mutate.Addendum{
			Layer:   layer,
			History: v1.History{Created: created, CreatedBy: "order-tracing images: " + spec.Comment},
		})
		if err != nil {
			return nil, summary, err
		}
		digest, err := layer.Digest()
		if err != nil {
			return nil, summary, err
		}
		size, err := layer.Size()
		if err != nil {
			return nil, summary, err
		}
		summary.Layers = append(summary.Layers, LayerSummary{
			Digest: digest.String(), Size: size, UncompressedSize: int64(len(data)), Files: files,
		})
	}
	config, err := image.ConfigFile()
	if err != nil {
		return nil, summary, err
	}
	config = config.DeepCopy()
	config.OS, config.Architecture, config.Variant = p.OS, p.Architecture, p.Variant
	config.Created = created
	config.Config = v1.Config{
		User:       p.Config.User,
		Entrypoint: p.Config.Entrypoint,
		Cmd:        p.Config.Cmd,
		Env:        p.Config.Env,
		WorkingDir: p.Config.WorkingDir,
		Labels:     p.Config.Labels,
	}
	if len(p.Config.ExposedPorts) > 0 {
		config.Config.ExposedPorts = map[string]struct{}{}
		for _, port := range p.Config.ExposedPorts {
			config.Config.ExposedPorts[port] = struct{}{}
		}
	}
	image, err = mutate.ConfigFile(image, config)
	if err != nil {
		return nil, summary, err
	}
	image = mutate.Annotations(image, annotations).(v1.Image)
	digest, err := image.Digest()
	if err != nil {
		return nil, summary, err
	}
	configDigest, err := image.ConfigName()
	if err != nil {
		return nil, summary, err
	}
	summary.Digest, summary.Config = digest.String(), configDigest.String()
	return image, summary, nil
}

// tarEntry is one header and where its content comes from.
type tarEntry struct {
	header tar.Header
	source string
	data   []byte
}

// layerTar expands the entries into sorted tar entries and writes the (uncompressed) layer.
func layerTar(entries []Entry, mtime time.Time) ([]byte, int, error) {
	items := map[string]*tarEntry{}
	addDir := func(name string, uid, gid int) {
		if _, ok := items[name]; !ok {
			items[name] = &tarEntry{header: tar.Header{Typeflag: tar.TypeDir, Name: name + "/", Mode: 0o755, Uid: uid, Gid: gid}}
		}
	}
	addParents := func(name string) {
		for dir := path.Dir(name); dir != "." && dir != "/"; dir = path.Dir(dir) {
			addDir(strings.TrimPrefix(dir, "/"), 0, 0)
		}
	}
	for _, e := range entries {
		if !path.IsAbs(e.Path) || path.Clean(e.Path) != e.Path || e.Path == "/" {
			return nil, 0, fmt.Errorf("entry path %q: expected a clean absolute path", e.Path)
		}
		name := strings.TrimPrefix(e.Path, "/")
		addParents(e.Path)
		switch {
		case e.Symlink != "":
			items[name] = &tarEntry{header: tar.Header{Typeflag: tar.TypeSymlink, Name: name, Linkname: e.Symlink, Mode: 0o777, Uid: e.UID, Gid: e.GID}}
		case e.Content != nil:
			mode := int64(e.Mode)
			if mode == 0 {
				mode = 0o644
			}
			items[name] = &tarEntry{header: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Uid: e.UID, Gid: e.GID}, data: []byte(*e.Content)}
		case e.Source != "":
			info, err := os.Stat(e.Source)
			if err != nil {
				return nil, 0, err
			}
			if !info.IsDir() {
				items[name] = fileEntry(name, e.Source, info, e.UID, e.GID)
				continue
			}
			err = filepath.WalkDir(e.Source, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				rel, err := filepath.Rel(e.Source, p)
				if err != nil {
					return err
				}
				target := path.Join(name, filepath.ToSlash(rel))
				info, err := os.Lstat(p)
				if err != nil {
					return err
				}
				switch {
				case info.IsDir():
					items[target] = &tarEntry{header: tar.Header{Typeflag: tar.TypeDir, Name: target + "/", Mode: 0o755, Uid: e.UID, Gid: e.GID}}
				case info.Mode()&fs.ModeSymlink != 0:
					link, err := os.Readlink(p)
					if err != nil {
						return err
					}
					items[target] = &tarEntry{header: tar.Header{Typeflag: tar.TypeSymlink, Name: target, Linkname: link, Mode: 0o777, Uid: e.UID, Gid: e.GID}}
				case info.Mode().IsRegular():
					items[target] = fileEntry(target, p, info, e.UID, e.GID)
				default:
					return fmt.Errorf("%s: neither a file, a folder nor a symbolic link", p)
				}
				return nil
			})
			if err != nil {
				return nil, 0, err
			}
		default:
			addDir(name, e.UID, e.GID)
			if e.Mode != 0 {
				items[name].header.Mode = int64(e.Mode)
			}
		}
	}

	names := make([]string, 0, len(items))
	for n := range items {
		names = append(names, n)
	}
	sort.Strings(names)
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	files := 0
	for _, n := range names {
		item := items[n]
		h := item.header
		h.ModTime, h.AccessTime, h.ChangeTime = mtime, time.Time{}, time.Time{}
		if h.Typeflag == tar.TypeReg {
			files++
			if item.data == nil {
				data, err := os.ReadFile(item.source)
				if err != nil {
					return nil, 0, err
				}
				item.data = data
			}
			h.Size = int64(len(item.data))
		}
		if err := tw.WriteHeader(&h); err != nil {
			return nil, 0, fmt.Errorf("%s: %w", n, err)
		}
		if h.Typeflag == tar.TypeReg {
			if _, err := tw.Write(item.data); err != nil {
				return nil, 0, err
			}
		}
	}
	if err := tw.Close(); err != nil {
		return nil, 0, err
	}
	return buf.Bytes(), files, nil
}

func fileEntry(name, source string, info fs.FileInfo, uid, gid int) *tarEntry {
	mode := int64(0o644)
	if info.Mode()&0o111 != 0 {
		mode = 0o755
	}
	return &tarEntry{header: tar.Header{Typeflag: tar.TypeReg, Name: name, Mode: mode, Uid: uid, Gid: gid}, source: source}
}

func writeLayout(dir string, index v1.ImageIndex, annotations map[string]string) error {
	p, err := layout.FromPath(dir)
	if err != nil {
		if p, err = layout.Write(dir, empty.Index); err != nil {
			return err
		}
	}
	var options []layout.Option
	if ref := annotations["org.opencontainers.image.ref.name"]; ref != "" {
		options = append(options, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": ref}))
	}
	return p.AppendIndex(index, options...)
}

func pushIndex(reference string, index v1.ImageIndex) error {
	ref, err := name.ParseReference(reference)
	if err != nil {
		return fmt.Errorf("--push %q: %w", reference, err)
	}
	return remote.WriteIndex(ref, index, remote.WithAuthFromKeychain(authn.DefaultKeychain))
}
