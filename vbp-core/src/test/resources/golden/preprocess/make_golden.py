#!/usr/bin/python3
"""Writes the golden files of PreprocessorGoldenTest with torchvision (0.14, on Pillow), independently of the Java code.

Run from this folder: /usr/bin/python3 make_golden.py  (Debian: python3-torchvision, python3-pil)

- geometry.tsv: for each source size and resize/crop, the size Resize(resize) gives and the offsets of
  CenterCrop(crop) in it, found by searching the resized image for the cropped one (not by repeating a formula).
- pixels.tsv and *.bin: the uint8 output (HWC) of Resize + CenterCrop (or Resize((h, w)) when resize is 0) on seeded
  noise images; the large cases are recorded by SHA-256 only.
The noise: x = 12345, then per byte x = (1103515245 x + 12345) mod 2^31, byte = (x >> 16) & 0xff, row-major, channels
interleaved (RGB) - the Java test draws the same bytes.
"""
import hashlib

import numpy as np
import torchvision
from PIL import Image
from torchvision import transforms
from torchvision.transforms import InterpolationMode


def noise(w, h, channels):
    x = 12345
    out = bytearray(w * h * channels)
    for i in range(len(out)):
        x = (1103515245 * x + 12345) % (1 << 31)
        out[i] = (x >> 16) & 0xFF
    shape = (h, w, channels) if channels == 3 else (h, w)
    return Image.fromarray(np.frombuffer(bytes(out), dtype=np.uint8).reshape(shape), "RGB" if channels == 3 else "L")


def geometry(w, h, resize, crop):
    img = noise(w, h, 1)
    resized = np.asarray(transforms.Resize(resize, interpolation=InterpolationMode.BILINEAR)(img))
    cropped = np.asarray(transforms.CenterCrop(crop)(Image.fromarray(resized)))
    rh, rw = resized.shape
    hits = [(left, top) for top in range(rh - crop + 1) for left in range(rw - crop + 1)
            if np.array_equal(resized[top:top + crop, left:left + crop], cropped)]
    assert len(hits) == 1, (w, h, hits)
    return rw, rh, hits[0][0], hits[0][1]


def main():
    with open("geometry.tsv", "w") as f:
        f.write("# torchvision %s: source_w source_h resize crop -> resized_w resized_h left top\n" % torchvision.__version__)
        for w, h in [(500, 375), (375, 500), (257, 257), (301, 227), (227, 301), (225, 1000), (1000, 225),
                     (256, 256), (224, 224), (333, 255), (511, 383), (640, 427), (259, 258)]:
            rw, rh, left, top = geometry(w, h, 256, 224)
            f.write("%d\t%d\t256\t224\t%d\t%d\t%d\t%d\n" % (w, h, rw, rh, left, top))
        for w, h in [(50, 37), (37, 50), (81, 61), (65, 65), (121, 33), (57, 58)]:
            rw, rh, left, top = geometry(w, h, 64, 56)
            f.write("%d\t%d\t64\t56\t%d\t%d\t%d\t%d\n" % (w, h, rw, rh, left, top))
    cases = [
        # w, h, channels, resize, crop (or the squashed size when resize is 0), interpolation, kept as a file
        (50, 37, 3, 64, 56, "bicubic", True),
        (37, 50, 3, 64, 56, "bicubic", True),
        (81, 61, 3, 64, 56, "bilinear", True),
        (65, 65, 1, 64, 56, "bicubic", True),
        (121, 33, 1, 64, 56, "bilinear", True),
        (28, 28, 1, 0, 56, "bilinear", True),
        (60, 45, 3, 0, 28, "bicubic", True),
        (500, 375, 3, 256, 224, "bicubic", False),
        (375, 500, 3, 256, 224, "bilinear", False),
        (28, 28, 1, 0, 224, "bilinear", False),
    ]
    modes = {"bicubic": InterpolationMode.BICUBIC, "bilinear": InterpolationMode.BILINEAR}
    with open("pixels.tsv", "w") as f:
        f.write("# torchvision %s: source_w source_h channels resize crop interpolation -> file or sha256 of the HWC bytes\n"
                % torchvision.__version__)
        for w, h, c, resize, crop, interp, keep in cases:
            img = noise(w, h, c)
            if resize:
                t = transforms.Compose([transforms.Resize(resize, interpolation=modes[interp]), transforms.CenterCrop(crop)])
            else:
                t = transforms.Resize((crop, crop), interpolation=modes[interp])
            out = np.asarray(t(img)).tobytes()
            assert len(out) == crop * crop * c
            name = "%dx%dx%d-%d-%d-%s.bin" % (w, h, c, resize, crop, interp)
            if keep:
                with open(name, "wb") as b:
                    b.write(out)
            f.write("%d\t%d\t%d\t%d\t%d\t%s\t%s\n" % (w, h, c, resize, crop, interp,
                                                       name if keep else hashlib.sha256(out).hexdigest()))


if __name__ == "__main__":
    main()
