package parser

// newFrames returns n frames and an empty buffer of capacity at least size for the
// text frame, in one allocation when they are small (the text frame of most packets
// is): the frames and the text bytes share a block whose size is a malloc size
// class. Callers set frames[0].Data to a full slice (len == cap) of the buffer.
func newFrames(n, size int) ([]Frame, []byte) {
	// A Frame is 32 bytes on 64-bit platforms; each block below fills a size class.
	switch n {
	case 1:
		switch {
		case size <= 32:
			x := new(struct {
				f [1]Frame
				b [32]byte
			})
			return x.f[:], x.b[:0]
		case size <= 48:
			x := new(struct {
				f [1]Frame
				b [48]byte
			})
			return x.f[:], x.b[:0]
		case size <= 64:
			x := new(struct {
				f [1]Frame
				b [64]byte
			})
			return x.f[:], x.b[:0]
		case size <= 96:
			x := new(struct {
				f [1]Frame
				b [96]byte
			})
			return x.f[:], x.b[:0]
		case size <= 160:
			x := new(struct {
				f [1]Frame
				b [160]byte
			})
			return x.f[:], x.b[:0]
		case size <= 224:
			x := new(struct {
				f [1]Frame
				b [224]byte
			})
			return x.f[:], x.b[:0]
		case size <= 352:
			x := new(struct {
				f [1]Frame
				b [352]byte
			})
			return x.f[:], x.b[:0]
		case size <= 480:
			x := new(struct {
				f [1]Frame
				b [480]byte
			})
			return x.f[:], x.b[:0]
		}
	case 2:
		switch {
		case size <= 64:
			x := new(struct {
				f [2]Frame
				b [64]byte
			})
			return x.f[:], x.b[:0]
		case size <= 128:
			x := new(struct {
				f [2]Frame
				b [128]byte
			})
			return x.f[:], x.b[:0]
		case size <= 192:
			x := new(struct {
				f [2]Frame
				b [192]byte
			})
			return x.f[:], x.b[:0]
		case size <= 320:
			x := new(struct {
				f [2]Frame
				b [320]byte
			})
			return x.f[:], x.b[:0]
		}
	}
	return make([]Frame, n), make([]byte, 0, size)
}
