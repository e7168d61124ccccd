#!/usr/bin/python3
"""Regenerate the image fixtures used by tests/unit/test_image.c.

Run from this directory with Debian's python3 and python3-pil (PIL is only
needed for the JPEG and GIF files; the PNGs are written by hand below so that
every variant -- 16-bit, Adam7, palette+tRNS, broken CRCs -- is exact).
The output is deterministic; the files are committed, so this script only
documents how they were made.

Pixel pattern of the good images (W x H = 16 x 12 unless noted):
  RGB   (x*16, y*16, 200)      gray  x*16 + y
  alpha x*16 + 15  (so column 0 is 15 and column 15 is 255)
"""
import os
import struct
import zlib

W, H = 16, 12


def chunk(tag, data):
    body = tag + data
    return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))


def png(width, height, ctype, depth, rows, plte=None, trns=None, interlace=0):
    """rows: list of rows, each a list of per-pixel sample tuples."""
    bps = depth // 8

    def pack_row(row):
        out = bytearray()
        for px in row:
            for s in px:
                out += s.to_bytes(bps, "big")
        return bytes(out)

    raw = bytearray()
    if not interlace:
        for row in rows:
            raw += b"\0" + pack_row(row)
    else:  # Adam7: seven passes of sub-images, each row filter 0
        passes = [(0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4),
                  (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2)]
        for x0, y0, dx, dy in passes:
            if x0 >= width or y0 >= height:
                continue
            for y in range(y0, height, dy):
                raw += b"\0" + pack_row([rows[y][x] for x in range(x0, width, dx)])
    ihdr = struct.pack(">IIBBBBB", width, height, depth, ctype, 0, 0, interlace)
    out = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
    if plte:
        out += chunk(b"PLTE", b"".join(bytes(c) for c in plte))
    if trns:
        out += chunk(b"tRNS", bytes(trns))
    out += chunk(b"IDAT", zlib.compress(bytes(raw), 9)) + chunk(b"IEND", b"")
    return out


def grid(fn, w=W, h=H):
    return [[fn(x, y) for x in range(w)] for y in range(h)]


def rgb(x, y):
    return (x * 16, y * 16, 200)


def write(name, data):
    with open(name, "wb") as f:
        f.write(data)


# ---- good PNGs -----------------------------------------------------------
write("rgb8.png", png(W, H, 2, 8, grid(rgb)))
write("rgba8.png", png(W, H, 6, 8, grid(lambda x, y: rgb(x, y) + (x * 16 + 15,))))
write("rgba_opaque.png", png(W, H, 6, 8, grid(lambda x, y: rgb(x, y) + (255,))))
write("gray8.png", png(W, H, 0, 8, grid(lambda x, y: (x * 16 + y,))))
write("graya8.png", png(W, H, 4, 8, grid(lambda x, y: (x * 16 + y, x * 16 + 15))))
pal = [(255, 0, 0), (0, 255, 0), (0, 0, 255), (255, 255, 255)]
write("palette.png", png(W, H, 3, 8, grid(lambda x, y: ((x + y) % 4,)), plte=pal))
write("palette_trns.png",
      png(W, H, 3, 8, grid(lambda x, y: ((x + y) % 4,)), plte=pal, trns=[0, 128]))
# 16-bit: 0x0000 and 0xFFFF survive any gamma handling exactly.
write("rgb16.png", png(W, H, 2, 16,
                       grid(lambda x, y: (0xFFFF if x < 8 else 0, 0, 0xFFFF if y < 6 else 0))))
write("interlaced.png", png(W, H, 2, 8, grid(rgb), interlace=1))

# ---- bad PNGs ------------------------------------------------------------
# A noisy 64x64 picture so that the IDAT is large enough to cut in half.
noise = grid(lambda x, y: ((x * 7919 + y * 104729) % 251, (x * y * 31) % 256, (x ^ y) * 4 % 256), 64, 64)
big = png(64, 64, 2, 8, noise)
write("truncated.png", big[: len(big) // 2])
write("garbage.png", b"\x89PNG\r\n\x1a\n" + bytes((i * 37 + 11) % 256 for i in range(200)))
good = png(W, H, 2, 8, grid(rgb))
i = good.index(b"IDAT")
n = struct.unpack(">I", good[i - 4:i])[0]
crc_at = i + 4 + n
write("badcrc.png", good[:crc_at] + bytes(b ^ 0xFF for b in good[crc_at:crc_at + 4]) + good[crc_at + 4:])
ihdr = struct.pack(">IIBBBBB", 100000, 100000, 8, 2, 0, 0, 0)
write("huge.png", b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr)
      + chunk(b"IDAT", zlib.compress(b"\0" * 301)) + chunk(b"IEND", b""))
# A bad CRC on an ancillary chunk is only a libpng warning: must still load.
j = good.index(b"IDAT") - 4
text = chunk(b"tEXt", b"Comment\0hello")
write("textcrc.png", good[:j] + text[:-4] + bytes(b ^ 0xFF for b in text[-4:]) + good[j:])
write("text.png", b"This is a text file, not an image.\n")
write("empty.png", b"")

# ---- JPEG and GIF (PIL) ----------------------------------------------------
from PIL import Image  # noqa: E402

im = Image.new("RGB", (W, H))
im.putdata([rgb(x, y) for y in range(H) for x in range(W)])
im.save("baseline.jpg", quality=90)
im.save("progressive.jpg", quality=90, progressive=True)
im.convert("L").save("gray.jpg", quality=90)
im.convert("CMYK").save("cmyk.jpg", quality=90)
# Truncated inside the entropy-coded scan (the headers stay intact), from a
# noisy picture so that the scan is long.
base = open("baseline.jpg", "rb").read()
nim = Image.new("RGB", (64, 64))
nim.putdata([px for row in noise for px in row])
nim.save("noisy.tmp.jpg", quality=90)
noisy = open("noisy.tmp.jpg", "rb").read()
os.remove("noisy.tmp.jpg")
sos = noisy.index(b"\xff\xda")
write("truncated.jpg", noisy[: sos + (len(noisy) - sos) // 2])
# Bytes in the middle of the scan overwritten: libjpeg only *warns*.
mid = sos + (len(noisy) - sos) // 2
write("corrupt.jpg", noisy[:mid] + bytes(range(0x11, 0x11 + 40)) + noisy[mid + 40:])
# Frame header patched to 60000 x 60000.
sof = base.index(b"\xff\xc0")
write("huge.jpg", base[:sof + 5] + struct.pack(">HH", 60000, 60000) + base[sof + 9:])
write("garbage.jpg", b"\xff\xd8\xff" + bytes((i * 53 + 7) % 256 for i in range(200)))
im.save("image.gif")
