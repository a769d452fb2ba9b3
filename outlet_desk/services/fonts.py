"""The fonts the PDFs are set in (receipts, reports).

WenQuanYi Micro Hei covers Chinese and Latin; ``scripts/setup.sh`` checks it is installed.
"""

from __future__ import annotations

from pathlib import Path

CJK_FONT = Path("/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
