package console

import "github.com/gdamore/tcell/v2"

// Terminal is a terminal emulator as the console uses it: bytes from the
// guest go in, a screen of cells, a cursor and a scrollback come out. It hides
// the emulator library so that the library can be swapped. Implementations
// are safe for concurrent use.
type Terminal interface {
	// Write feeds output of the guest to the emulator.
	Write(p []byte) (int, error)
	// Resize changes the screen to cols columns and rows rows.
	Resize(cols, rows int)
	// Size returns the screen's columns and rows.
	Size() (cols, rows int)
	// Cell returns the visible screen's cell at column x, row y; outside the
	// screen it returns a blank cell.
	Cell(x, y int) Cell
	// Cursor returns the cursor's column and row and whether the program
	// wants it shown.
	Cursor() (x, y int, visible bool)
	// ScrollbackLen returns how many lines left the top of the screen and
	// are still kept.
	ScrollbackLen() int
	// ScrollbackCell returns the cell at column x of a scrollback line; line
	// 0 is the oldest kept line. Beyond a line's end it returns a blank cell.
	ScrollbackCell(line, x int) Cell
	// ScreenRow appends the cells of screen row y to dst[:0], one per
	// column, and returns the result; outside the screen it returns dst[:0].
	// It reads the row in one go, so drawers need not take the emulator's
	// lock once per cell.
	ScreenRow(y int, dst []Cell) []Cell
	// ScrollbackRow is ScreenRow for a scrollback line; a line may be
	// shorter than the screen (trailing blanks are not kept) or, after the
	// screen got narrower, longer.
	ScrollbackRow(line int, dst []Cell) []Cell
	// InputModes returns the modes the program set that change what keys and
	// pastes must send.
	InputModes() InputModes
	// OnReply sets the function that receives the emulator's answers to the
	// program's queries (cursor position, device attributes, ...); they are
	// meant to be written back to the program. f runs on a goroutine of the
	// terminal's own, gets a slice it may keep, and must not block. With no
	// function set, replies are dropped.
	OnReply(f func(p []byte))
	// Close ends the terminal; Write fails afterwards.
	Close() error
}

// Cell is one cell of a screen or scrollback line.
type Cell struct {
	// Text is the grapheme shown in the cell; "" or " " is a blank.
	Text string
	// Width is the number of columns Text takes: 1, or 2 for a wide
	// character. The column right of a wide character has Width 0 and
	// nothing to draw.
	Width int
	// Style holds colours and attributes in tcell's terms; colours the
	// program left at their default are tcell.ColorDefault.
	Style tcell.Style
}

// blankCell is a space in the default style.
var blankCell = Cell{Text: " ", Width: 1, Style: tcell.StyleDefault}

// InputModes are terminal modes that change the bytes sent for input.
type InputModes struct {
	// AppCursor is DECCKM: cursor keys send ESC O x instead of ESC [ x.
	AppCursor bool
	// BracketedPaste: pasted text is wrapped in ESC [200~ ... ESC [201~.
	BracketedPaste bool
}
