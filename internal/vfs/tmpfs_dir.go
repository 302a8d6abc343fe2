package vfs

// tmpDir holds the entries of a tmpfs directory so that a lookup by name is one map
// access and a listing can continue from a cookie that stays valid while the
// directory changes.
//
// Each entry gets the next value of a per-directory sequence when it is inserted;
// its cookie is that sequence number (the first entry's is 1, so cookie 0 is the
// start). ents holds the entries in insertion order, hence in increasing sequence
// order; a removed entry becomes a tombstone (node == nil) so that no other entry
// moves, and tombstones are compacted away once they are more than half of ents
// (compaction keeps the order, so cookies are unaffected). Readdir(cookie) finds the
// first entry with seq > cookie by binary search. An entry that is renamed or
// replaced is removed and inserted again with a new sequence number: a listing in
// progress may then see it again under its new name, as the contract allows for an
// entry added meanwhile.
type tmpDir struct {
	ents  []tmpDirent
	index map[string]int // name -> position in ents
	seq   uint64         // the last sequence number given
	dead  int            // tombstones in ents
}

// tmpDirent is one entry of a tmpDir; node is nil for a tombstone.
type tmpDirent struct {
	seq  uint64
	name string
	node *tmpNode
}

// tmpDirCompactMin is the number of tombstones below which a directory is never
// compacted, so that small directories do not compact on every removal.
const tmpDirCompactMin = 32

func newTmpDir() *tmpDir { return &tmpDir{index: make(map[string]int)} }

// lookup returns the node called name, or nil.
func (d *tmpDir) lookup(name string) *tmpNode {
	if i, ok := d.index[name]; ok {
		return d.ents[i].node
	}
	return nil
}

// len returns the number of entries.
func (d *tmpDir) len() int { return len(d.ents) - d.dead }

// add inserts name, which must not exist, with the next sequence number.
func (d *tmpDir) add(name string, n *tmpNode) {
	d.seq++
	d.index[name] = len(d.ents)
	d.ents = append(d.ents, tmpDirent{seq: d.seq, name: name, node: n})
}

// remove deletes name, which must exist, leaving a tombstone in its place.
func (d *tmpDir) remove(name string) {
	i := d.index[name]
	delete(d.index, name)
	d.ents[i] = tmpDirent{seq: d.ents[i].seq}
	d.dead++
	if d.dead >= tmpDirCompactMin && d.dead*2 > len(d.ents) {
		d.compact()
	}
}

// compact drops the tombstones, keeping the order of the live entries.
func (d *tmpDir) compact() {
	k := 0
	for _, e := range d.ents {
		if e.node == nil {
			continue
		}
		d.ents[k] = e
		d.index[e.name] = k
		k++
	}
	clear(d.ents[k:])
	d.ents = d.ents[:k]
	d.dead = 0
}

// after returns the position of the first entry (live or not) whose sequence
// number is greater than cookie.
func (d *tmpDir) after(cookie uint64) int {
	lo, hi := 0, len(d.ents)
	for lo < hi {
		m := int(uint(lo+hi) >> 1)
		if d.ents[m].seq <= cookie {
			lo = m + 1
		} else {
			hi = m
		}
	}
	return lo
}

// list fills buf with the live entries after cookie and returns how many.
func (d *tmpDir) list(cookie uint64, buf []Dirent) int {
	k := 0
	for i := d.after(cookie); i < len(d.ents) && k < len(buf); i++ {
		e := &d.ents[i]
		if e.node == nil {
			continue
		}
		buf[k] = Dirent{Next: e.seq, Ino: e.node.ino, Name: e.name, Type: e.node.mode.Type()}
		k++
	}
	return k
}
