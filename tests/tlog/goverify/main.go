// Command goverify checks a transparency log written by errorledger.tlog with Go's
// golang.org/x/mod/sumdb/note and golang.org/x/mod/sumdb/tlog, which share no code with it.
//
// Usage: goverify DIR, where DIR holds vkey, skey, checkpoint, tile/... (C2SP tlog-tiles)
// and proofs.json. It checks the checkpoint's signature; rebuilds the tree from the entry
// bundles with Go's own append (tlog.StoredHashes) and compares its root and every tile
// with ours; recomputes the root through tlog.TileHashReader as a mirror would; checks our
// proofs with CheckRecord/CheckTree and compares them with ProveRecord/ProveTree. Last it
// prints the checkpoint text signed with skey, for the caller to compare byte for byte.
//
// The tree is rebuilt from entries rather than trusted from TileHashReader because that
// reader (x/mod v0.7.0 at least) authenticates only the tiles after the first len(stx) it
// plans, so a level 0 tile that shares parents with the tree-hash tiles can come back
// unchecked.
package main

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

type inclusion struct {
	Index int64    `json:"index"`
	Size  int64    `json:"size"`
	Proof []string `json:"proof"`
}

type consistency struct {
	First      int64    `json:"first"`
	Second     int64    `json:"second"`
	FirstRoot  string   `json:"first_root"`
	SecondRoot string   `json:"second_root"`
	Proof      []string `json:"proof"`
}

type proofs struct {
	Inclusion   []inclusion   `json:"inclusion"`
	Consistency []consistency `json:"consistency"`
}

// c2spTiles reads tiles from the C2SP layout, which drops Go's height element
// ("tile/8/0/000" is "tile/0/000") and names data tiles "entries".
type c2spTiles struct{ dir string }

func (t c2spTiles) Height() int { return 8 }

func (t c2spTiles) ReadTiles(tiles []tlog.Tile) ([][]byte, error) {
	out := make([][]byte, len(tiles))
	for i, tile := range tiles {
		data, err := os.ReadFile(filepath.Join(t.dir, c2spPath(tile)))
		if err != nil {
			return nil, err
		}
		out[i] = data
	}
	return out, nil
}

func (t c2spTiles) SaveTiles([]tlog.Tile, [][]byte) {}

func c2spPath(tile tlog.Tile) string {
	path := strings.Replace(tile.Path(), "tile/8/", "tile/", 1)
	return strings.Replace(path, "tile/data/", "tile/entries/", 1)
}

func main() {
	if len(os.Args) != 2 {
		fail("usage: goverify DIR")
	}
	dir := os.Args[1]
	verifier, err := note.NewVerifier(strings.TrimSpace(read(dir, "vkey")))
	check(err, "verifier key")
	opened, err := note.Open([]byte(read(dir, "checkpoint")), note.VerifierList(verifier))
	check(err, "checkpoint signature")
	size, root := parseCheckpoint(opened.Text)
	reader := tlog.TileHashReader(tlog.Tree{N: size, Hash: root}, c2spTiles{dir})

	mem := rebuild(readEntries(dir, size))
	checkRoot("tree rebuilt from entries", size, root, mem)
	for _, tile := range tlog.NewTiles(8, 0, size) {
		if tile.W < 256 && int64(tile.W) != size>>(8*tile.L)-tile.N*256 {
			continue // Go lists every width a partial tile went through; we keep the last
		}
		want, err := tlog.ReadTileData(tile, mem)
		check(err, "tile data")
		if got := read(dir, c2spPath(tile)); got != string(want) {
			fail("%s differs from the tile Go builds", c2spPath(tile))
		}
	}
	checkRoot("tree read through TileHashReader", size, root, reader)

	var p proofs
	check(json.Unmarshal([]byte(read(dir, "proofs.json")), &p), "proofs.json")
	for _, c := range p.Inclusion {
		checkInclusion(c, mem)
	}
	for _, c := range p.Consistency {
		checkConsistency(c, mem)
	}

	signer, err := note.NewSigner(strings.TrimSpace(read(dir, "skey")))
	check(err, "signer key")
	signed, err := note.Sign(&note.Note{Text: opened.Text}, signer)
	check(err, "signing")
	fmt.Printf("ok: size %d, %d inclusion and %d consistency proofs\n",
		size, len(p.Inclusion), len(p.Consistency))
	os.Stdout.Write(signed)
}

// readEntries reads every entry bundle of a tree of the given size.
func readEntries(dir string, size int64) [][]byte {
	var entries [][]byte
	for start := int64(0); start < size; start += 256 {
		width := size - start
		if width > 256 {
			width = 256
		}
		tile := tlog.Tile{H: 8, L: -1, N: start / 256, W: int(width)}
		bundle := splitBundle(read(dir, c2spPath(tile)))
		if int64(len(bundle)) != width {
			fail("%s holds %d entries, expected %d", c2spPath(tile), len(bundle), width)
		}
		entries = append(entries, bundle...)
	}
	return entries
}

// memory holds stored hashes in Go's own linear layout (tlog.StoredHashIndex).
type memory []tlog.Hash

func (m memory) ReadHashes(indexes []int64) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(indexes))
	for i, x := range indexes {
		if x >= int64(len(m)) {
			return nil, fmt.Errorf("stored hash %d not written", x)
		}
		out[i] = m[x]
	}
	return out, nil
}

func rebuild(entries [][]byte) memory {
	var m memory
	for n, entry := range entries {
		hashes, err := tlog.StoredHashes(int64(n), entry, m)
		check(err, "stored hashes")
		m = append(m, hashes...)
	}
	return m
}

func checkRoot(what string, size int64, root tlog.Hash, reader tlog.HashReader) {
	h, err := tlog.TreeHash(size, reader)
	check(err, what)
	if h != root {
		fail("%s: root %v, checkpoint says %v", what, h, root)
	}
}

func checkInclusion(c inclusion, reader tlog.HashReader) {
	root, err := tlog.TreeHash(c.Size, reader)
	check(err, "tree hash")
	leaf, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, c.Index)})
	check(err, "leaf hash")
	ours := tlog.RecordProof(decodeHashes(c.Proof))
	check(tlog.CheckRecord(ours, c.Size, root, c.Index, leaf[0]),
		fmt.Sprintf("inclusion of %d in %d", c.Index, c.Size))
	theirs, err := tlog.ProveRecord(c.Size, c.Index, reader)
	check(err, "ProveRecord")
	if !equal(ours, theirs) {
		fail("inclusion proof of %d in %d differs from Go's", c.Index, c.Size)
	}
}

func checkConsistency(c consistency, reader tlog.HashReader) {
	first, second := decodeHash(c.FirstRoot), decodeHash(c.SecondRoot)
	for _, tree := range []tlog.Tree{{N: c.First, Hash: first}, {N: c.Second, Hash: second}} {
		h, err := tlog.TreeHash(tree.N, reader)
		check(err, "tree hash")
		if h != tree.Hash {
			fail("root of size %d is %v, we said %v", tree.N, h, tree.Hash)
		}
	}
	ours := tlog.TreeProof(decodeHashes(c.Proof))
	check(tlog.CheckTree(ours, c.Second, second, c.First, first),
		fmt.Sprintf("consistency of %d with %d", c.First, c.Second))
	theirs, err := tlog.ProveTree(c.Second, c.First, reader)
	check(err, "ProveTree")
	if !equal(ours, theirs) {
		fail("consistency proof %d to %d differs from Go's", c.First, c.Second)
	}
}

func parseCheckpoint(text string) (int64, tlog.Hash) {
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	if len(lines) < 3 {
		fail("checkpoint has %d lines", len(lines))
	}
	size, err := strconv.ParseInt(lines[1], 10, 64)
	check(err, "checkpoint size")
	return size, decodeHash(lines[2])
}

func splitBundle(data string) [][]byte {
	var entries [][]byte
	b := []byte(data)
	for len(b) > 0 {
		if len(b) < 2 {
			fail("bundle ends inside a length")
		}
		n := int(binary.BigEndian.Uint16(b))
		if len(b) < 2+n {
			fail("bundle ends inside an entry")
		}
		entries = append(entries, b[2:2+n])
		b = b[2+n:]
	}
	return entries
}

func decodeHashes(values []string) []tlog.Hash {
	hashes := make([]tlog.Hash, len(values))
	for i, v := range values {
		hashes[i] = decodeHash(v)
	}
	return hashes
}

func decodeHash(value string) tlog.Hash {
	raw, err := base64.StdEncoding.DecodeString(value)
	check(err, "base64 hash")
	var h tlog.Hash
	if len(raw) != len(h) {
		fail("hash of %d bytes", len(raw))
	}
	copy(h[:], raw)
	return h
}

func equal(a, b []tlog.Hash) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if !bytes.Equal(a[i][:], b[i][:]) {
			return false
		}
	}
	return true
}

func read(dir, name string) string {
	data, err := os.ReadFile(filepath.Join(dir, name))
	check(err, name)
	return string(data)
}

func check(err error, what string) {
	if err != nil {
		fail("%s: %v", what, err)
	}
}

func fail(format string, args ...interface{}) {
	fmt.Fprintf(os.Stderr, "goverify: "+format+"\n", args...)
	os.Exit(1)
}
