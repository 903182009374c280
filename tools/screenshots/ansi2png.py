#!/usr/bin/env python3
"""Renders a terminal capture (`tmux capture-pane -e -p`: text with SGR colour sequences) as a PNG.

    ansi2png.py CAPTURE.ans OUT.png [COLUMNS ROWS]

Needs Pillow (Debian: python3-pil) and DejaVu Sans Mono (Debian: fonts-dejavu-core). It knows what
tmux writes: SGR attributes (bold, italic, underline, reverse), the 16 basic colours, the 256-colour
palette and 24-bit colours; double-width characters (CJK, emoji) take two cells. The default colours
are a dark theme, matching the `background=dark` the screenshot run sets in Neovim.
"""

import re
import sys
import unicodedata

from PIL import Image, ImageDraw, ImageFont

FONT_DIR = "/usr/share/fonts/truetype/dejavu/"
FONT_SIZE = 15
PADDING = 8
DEFAULT_FG = (0xD4, 0xD4, 0xD4)
DEFAULT_BG = (0x1E, 0x1E, 0x1E)

# The 16 basic colours (xterm's defaults, a little softened).
BASIC = [
    (0x1E, 0x1E, 0x1E), (0xCD, 0x31, 0x31), (0x0D, 0xBC, 0x79), (0xE5, 0xE5, 0x10),
    (0x24, 0x72, 0xC8), (0xBC, 0x3F, 0xBC), (0x11, 0xA8, 0xCD), (0xE5, 0xE5, 0xE5),
    (0x66, 0x66, 0x66), (0xF1, 0x4C, 0x4C), (0x23, 0xD1, 0x8B), (0xF5, 0xF5, 0x43),
    (0x3B, 0x8E, 0xEA), (0xD6, 0x70, 0xD6), (0x29, 0xB8, 0xDB), (0xFF, 0xFF, 0xFF),
]

SGR = re.compile(r"\x1b\[([0-9;:]*)m")
OTHER_ESCAPE = re.compile(r"\x1b(\[[0-9;?]*[A-Za-z]|\][^\x07\x1b]*(\x07|\x1b\\)|[()][A-Za-z0-9])")


def palette(index):
    """The colour of an entry of the 256-colour palette."""
    if index < 16:
        return BASIC[index]
    if index < 232:
        index -= 16
        steps = [0, 95, 135, 175, 215, 255]
        return (steps[index // 36], steps[(index // 6) % 6], steps[index % 6])
    level = 8 + (index - 232) * 10
    return (level, level, level)


class Style:
    def __init__(self):
        self.reset()

    def reset(self):
        self.fg = None
        self.bg = None
        self.bold = False
        self.italic = False
        self.underline = False
        self.reverse = False

    def copy(self):
        other = Style()
        other.__dict__.update(self.__dict__)
        return other

    def apply(self, params):
        """Applies one SGR sequence's parameters (`38;5;n`, `38;2;r;g;b` and the colon forms)."""
        codes = [int(it) if it else 0 for it in re.split(r"[;:]", params)] if params else [0]
        i = 0
        while i < len(codes):
            code = codes[i]
            if code == 0:
                self.reset()
            elif code == 1:
                self.bold = True
            elif code == 3:
                self.italic = True
            elif code == 4:
                self.underline = True
            elif code == 7:
                self.reverse = True
            elif code == 22:
                self.bold = False
            elif code == 23:
                self.italic = False
            elif code == 24:
                self.underline = False
            elif code == 27:
                self.reverse = False
            elif 30 <= code <= 37:
                self.fg = BASIC[code - 30]
            elif 90 <= code <= 97:
                self.fg = BASIC[code - 90 + 8]
            elif 40 <= code <= 47:
                self.bg = BASIC[code - 40]
            elif 100 <= code <= 107:
                self.bg = BASIC[code - 100 + 8]
            elif code == 39:
                self.fg = None
            elif code == 49:
                self.bg = None
            elif code in (38, 48, 58) and i + 1 < len(codes):
                colour = None
                if codes[i + 1] == 5 and i + 2 < len(codes):
                    colour = palette(codes[i + 2] % 256)
                    i += 2
                elif codes[i + 1] == 2 and i + 4 < len(codes):
                    colour = tuple(min(255, it) for it in codes[i + 2 : i + 5])
                    i += 4
                if code == 38:
                    self.fg = colour
                elif code == 48:
                    self.bg = colour
            i += 1

    def colours(self):
        fg = self.fg or DEFAULT_FG
        bg = self.bg or DEFAULT_BG
        return (bg, fg) if self.reverse else (fg, bg)


def cells(line, style):
    """The (character, style) cells of one captured line; a wide character's second cell is None."""
    out = []
    position = 0
    while position < len(line):
        match = SGR.match(line, position)
        if match:
            style.apply(match.group(1))
            position = match.end()
            continue
        other = OTHER_ESCAPE.match(line, position)
        if other:
            position = other.end()
            continue
        char = line[position]
        position += 1
        if unicodedata.combining(char) and out:
            # A combining mark joins the character before it (the cell before a wide one's filler).
            last = len(out) - 1 if out[-1] is not None else len(out) - 2
            out[last] = (out[last][0] + char, out[last][1])
            continue
        if ord(char) < 32:
            char = " "
        out.append((char, style.copy()))
        if unicodedata.east_asian_width(char) in ("W", "F"):
            out.append(None)
    return out


def render(text, columns, rows):
    fonts = {
        (False, False): ImageFont.truetype(FONT_DIR + "DejaVuSansMono.ttf", FONT_SIZE),
        (True, False): ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Bold.ttf", FONT_SIZE),
        (False, True): ImageFont.truetype(FONT_DIR + "DejaVuSansMono-Oblique.ttf", FONT_SIZE),
        (True, True): ImageFont.truetype(FONT_DIR + "DejaVuSansMono-BoldOblique.ttf", FONT_SIZE),
    }
    regular = fonts[(False, False)]
    width = round(regular.getlength("M"))
    ascent, descent = regular.getmetrics()
    height = ascent + descent + 2
    image = Image.new("RGB", (columns * width + 2 * PADDING, rows * height + 2 * PADDING), DEFAULT_BG)
    draw = ImageDraw.Draw(image)
    style = Style()
    for row, line in enumerate(text.split("\n")[:rows]):
        y = PADDING + row * height
        for column, cell in enumerate(cells(line, style)):
            if cell is None or column >= columns:
                continue
            char, cell_style = cell
            fg, bg = cell_style.colours()
            span = 2 if unicodedata.east_asian_width(char[0]) in ("W", "F") else 1
            x = PADDING + column * width
            draw.rectangle([x, y, x + span * width - 1, y + height - 1], fill=bg)
            if char != " ":
                draw.text((x, y + 1), char, font=fonts[(cell_style.bold, cell_style.italic)], fill=fg)
            if cell_style.underline:
                draw.line([x, y + height - 2, x + span * width - 1, y + height - 2], fill=fg)
    return image


def main():
    if len(sys.argv) not in (3, 5):
        sys.exit("usage: ansi2png.py CAPTURE.ans OUT.png [COLUMNS ROWS]")
    with open(sys.argv[1], encoding="utf-8", errors="replace") as capture:
        text = capture.read().rstrip("\n")
    if len(sys.argv) == 5:
        columns, rows = int(sys.argv[3]), int(sys.argv[4])
    else:
        plain = [SGR.sub("", it) for it in text.split("\n")]
        columns, rows = max(len(it) for it in plain), len(plain)
    # Metadata with a time or a tool version would make identical captures differ.
    render(text, columns, rows).save(sys.argv[2], optimize=True)


if __name__ == "__main__":
    main()
