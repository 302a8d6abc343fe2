package wasi

// Rights, as wasi_snapshot_preview1 numbers them. An fd carries a base set (what
// may be done with it) and an inheriting set (the most an fd opened through it may
// get). fd_fdstat_set_rights only drops rights; each operation checks the right it
// needs and refuses with ENOTCAPABLE.
const (
	rightFdDatasync uint64 = 1 << iota
	rightFdRead
	rightFdSeek
	rightFdFdstatSetFlags
	rightFdSync
	rightFdTell
	rightFdWrite
	rightFdAdvise
	rightFdAllocate
	rightPathCreateDirectory
	rightPathCreateFile
	rightPathLinkSource
	rightPathLinkTarget
	rightPathOpen
	rightFdReaddir
	rightPathReadlink
	rightPathRenameSource
	rightPathRenameTarget
	rightPathFilestatGet
	rightPathFilestatSetSize
	rightPathFilestatSetTimes
	rightFdFilestatGet
	rightFdFilestatSetSize
	rightFdFilestatSetTimes
	rightPathSymlink
	rightPathRemoveDirectory
	rightPathUnlinkFile
	rightPollFdReadwrite
	rightSockShutdown
	rightSockAccept
)

// The rights an fd gets by kind, the most any fd of that kind can use.
const (
	// rightsFileBase: a regular file.
	rightsFileBase = rightFdDatasync | rightFdRead | rightFdSeek | rightFdFdstatSetFlags |
		rightFdSync | rightFdTell | rightFdWrite | rightFdAdvise | rightFdAllocate |
		rightFdFilestatGet | rightFdFilestatSetSize | rightFdFilestatSetTimes | rightPollFdReadwrite

	// rightsDirBase: a directory.
	rightsDirBase = rightFdFdstatSetFlags | rightFdSync | rightFdAdvise | rightPathCreateDirectory |
		rightPathCreateFile | rightPathLinkSource | rightPathLinkTarget | rightPathOpen |
		rightFdReaddir | rightPathReadlink | rightPathRenameSource | rightPathRenameTarget |
		rightPathFilestatGet | rightPathFilestatSetSize | rightPathFilestatSetTimes |
		rightFdFilestatGet | rightFdFilestatSetTimes | rightPathSymlink |
		rightPathRemoveDirectory | rightPathUnlinkFile | rightPollFdReadwrite

	// rightsStdio: a stream (stdin, stdout, stderr, a character device).
	rightsStdio = rightFdDatasync | rightFdRead | rightFdFdstatSetFlags | rightFdSync |
		rightFdWrite | rightFdAdvise | rightFdAllocate | rightFdFilestatGet |
		rightFdFilestatSetSize | rightFdFilestatSetTimes | rightPollFdReadwrite
)

// fdflags, as wasi_snapshot_preview1 numbers them.
const (
	fdflagAppend   uint16 = 1 << 0
	fdflagDsync    uint16 = 1 << 1
	fdflagNonblock uint16 = 1 << 2
	fdflagRsync    uint16 = 1 << 3
	fdflagSync     uint16 = 1 << 4
)

// filetype values, as WASI numbers them.
const (
	filetypeUnknown         uint8 = 0
	filetypeBlockDevice     uint8 = 1
	filetypeCharacterDevice uint8 = 2
	filetypeDirectory       uint8 = 3
	filetypeRegularFile     uint8 = 4
	filetypeSocketDgram     uint8 = 5
	filetypeSocketStream    uint8 = 6
	filetypeSymbolicLink    uint8 = 7
)
