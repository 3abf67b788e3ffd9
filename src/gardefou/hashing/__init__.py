"""Photo fingerprints: PDQ (with quality and the 8 dihedral variants) and MD5.

    >>> from gardefou.hashing import hash_photo
    >>> h = hash_photo("photo.jpg")          # or bytes
    >>> h.pdq, h.quality, h.md5, h.width, h.height

Images are decoded with PIL (JPEG, PNG, WebP, GIF, BMP, TIFF; HEIC/HEIF via pi-heif), EXIF
orientation applied, any PIL mode converted to RGB, and large images reduced the way the
reference PDQ implementation does, so hashes agree with other PDQ tools. Bad input raises
ImageError; batches (`hash_files`) report a HashFailure and go on.
"""

from gardefou.hashing.batch import HashFailure, hash_files, iter_image_paths
from gardefou.hashing.core import DIHEDRAL_ORDER, PhotoHash, hamming, hash_bytes, hash_photo
from gardefou.hashing.errors import ImageError
from gardefou.hashing.loading import ALLOWED_FORMATS, DEFAULT_MAX_PIXELS

__all__ = [
    "ALLOWED_FORMATS",
    "DEFAULT_MAX_PIXELS",
    "DIHEDRAL_ORDER",
    "HashFailure",
    "ImageError",
    "PhotoHash",
    "hamming",
    "hash_bytes",
    "hash_files",
    "hash_photo",
    "iter_image_paths",
]
