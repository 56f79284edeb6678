/*
 * The wl_shm.format table.  Every value of the enum is listed, those the
 * copy refuses with 0 bytes per pixel, so that "known but refused" and
 * "unknown" stay different answers and a test can check the table against
 * wayland.xml entry by entry.
 */
#include <stddef.h>
#include <wayland-client-protocol.h>

#include "shm_format.h"

/* Formats added to wayland.xml after libwayland 1.21 (Debian 12), whose
 * header has no names for them yet.  Values are their DRM fourccs. */
enum {
	SHM_FORMAT_C1 = 0x20203143,
	SHM_FORMAT_C2 = 0x20203243,
	SHM_FORMAT_C4 = 0x20203443,
	SHM_FORMAT_D1 = 0x20203144,
	SHM_FORMAT_D2 = 0x20203244,
	SHM_FORMAT_D4 = 0x20203444,
	SHM_FORMAT_D8 = 0x20203844,
	SHM_FORMAT_R1 = 0x20203152,
	SHM_FORMAT_R2 = 0x20203252,
	SHM_FORMAT_R4 = 0x20203452,
	SHM_FORMAT_R10 = 0x20303152,
	SHM_FORMAT_R12 = 0x20323152,
	SHM_FORMAT_AVUY8888 = 0x59555641,
	SHM_FORMAT_XVUY8888 = 0x59555658,
	SHM_FORMAT_P030 = 0x30333050,
};

struct shm_format_info {
	uint32_t format;
	unsigned char bytes_per_pixel; /* 0: not copyable pixel by pixel */
	unsigned char block_width;     /* pixels sharing one set of bytes */
};

#define PACKED(f, bpp) { WL_SHM_FORMAT_##f, bpp, 1 }
/* 4:2:2 packed: bpp is per pixel, bytes come in pairs of pixels. */
#define PAIRED(f, bpp) { WL_SHM_FORMAT_##f, bpp, 2 }
#define REFUSED(f) { WL_SHM_FORMAT_##f, 0, 0 }
#define NEW_PACKED(f, bpp) { SHM_FORMAT_##f, bpp, 1 }
#define NEW_REFUSED(f) { SHM_FORMAT_##f, 0, 0 }

static const struct shm_format_info formats[] = {
	PACKED(ARGB8888, 4), PACKED(XRGB8888, 4),
	PACKED(C8, 1), PACKED(RGB332, 1), PACKED(BGR233, 1),
	PACKED(XRGB4444, 2), PACKED(XBGR4444, 2),
	PACKED(RGBX4444, 2), PACKED(BGRX4444, 2),
	PACKED(ARGB4444, 2), PACKED(ABGR4444, 2),
	PACKED(RGBA4444, 2), PACKED(BGRA4444, 2),
	PACKED(XRGB1555, 2), PACKED(XBGR1555, 2),
	PACKED(RGBX5551, 2), PACKED(BGRX5551, 2),
	PACKED(ARGB1555, 2), PACKED(ABGR1555, 2),
	PACKED(RGBA5551, 2), PACKED(BGRA5551, 2),
	PACKED(RGB565, 2), PACKED(BGR565, 2),
	PACKED(RGB888, 3), PACKED(BGR888, 3),
	PACKED(XBGR8888, 4), PACKED(RGBX8888, 4), PACKED(BGRX8888, 4),
	PACKED(ABGR8888, 4), PACKED(RGBA8888, 4), PACKED(BGRA8888, 4),
	PACKED(XRGB2101010, 4), PACKED(XBGR2101010, 4),
	PACKED(RGBX1010102, 4), PACKED(BGRX1010102, 4),
	PACKED(ARGB2101010, 4), PACKED(ABGR2101010, 4),
	PACKED(RGBA1010102, 4), PACKED(BGRA1010102, 4),
	PAIRED(YUYV, 2), PAIRED(YVYU, 2), PAIRED(UYVY, 2), PAIRED(VYUY, 2),
	PACKED(AYUV, 4),
	REFUSED(NV12), REFUSED(NV21), REFUSED(NV16), REFUSED(NV61),
	REFUSED(YUV410), REFUSED(YVU410), REFUSED(YUV411), REFUSED(YVU411),
	REFUSED(YUV420), REFUSED(YVU420), REFUSED(YUV422), REFUSED(YVU422),
	REFUSED(YUV444), REFUSED(YVU444),
	PACKED(R8, 1), PACKED(R16, 2), PACKED(RG88, 2), PACKED(GR88, 2),
	PACKED(RG1616, 4), PACKED(GR1616, 4),
	PACKED(XRGB16161616F, 8), PACKED(XBGR16161616F, 8),
	PACKED(ARGB16161616F, 8), PACKED(ABGR16161616F, 8),
	PACKED(XYUV8888, 4), PACKED(VUY888, 3),
	/* Only defined with a non-linear modifier, which wl_shm lacks. */
	REFUSED(VUY101010),
	PAIRED(Y210, 4), PAIRED(Y212, 4), PAIRED(Y216, 4),
	PACKED(Y410, 4), PACKED(Y412, 8), PACKED(Y416, 8),
	PACKED(XVYU2101010, 4), PACKED(XVYU12_16161616, 8),
	PACKED(XVYU16161616, 8),
	/* 2x2 tiles: a row of pixels is not a row of bytes. */
	REFUSED(Y0L0), REFUSED(X0L0), REFUSED(Y0L2), REFUSED(X0L2),
	/* Compressed (AFBC) layouts. */
	REFUSED(YUV420_8BIT), REFUSED(YUV420_10BIT),
	/* Colour plane plus a separate alpha plane. */
	REFUSED(XRGB8888_A8), REFUSED(XBGR8888_A8),
	REFUSED(RGBX8888_A8), REFUSED(BGRX8888_A8),
	REFUSED(RGB888_A8), REFUSED(BGR888_A8),
	REFUSED(RGB565_A8), REFUSED(BGR565_A8),
	REFUSED(NV24), REFUSED(NV42), REFUSED(P210), REFUSED(P010),
	REFUSED(P012), REFUSED(P016),
	PACKED(AXBXGXRX106106106106, 8),
	REFUSED(NV15), REFUSED(Q410), REFUSED(Q401),
	PACKED(XRGB16161616, 8), PACKED(XBGR16161616, 8),
	PACKED(ARGB16161616, 8), PACKED(ABGR16161616, 8),
	/* Several pixels per byte: damage cannot be cut at a byte edge. */
	NEW_REFUSED(C1), NEW_REFUSED(C2), NEW_REFUSED(C4),
	NEW_REFUSED(D1), NEW_REFUSED(D2), NEW_REFUSED(D4),
	NEW_PACKED(D8, 1),
	NEW_REFUSED(R1), NEW_REFUSED(R2), NEW_REFUSED(R4),
	NEW_PACKED(R10, 2), NEW_PACKED(R12, 2),
	NEW_PACKED(AVUY8888, 4), NEW_PACKED(XVUY8888, 4),
	NEW_REFUSED(P030),
};

/* Called once per new buffer, not per pixel: a linear scan is enough. */
static const struct shm_format_info *
find_format(uint32_t format)
{
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++) {
		if (formats[i].format == format)
			return &formats[i];
	}
	return NULL;
}

bool
shm_format_is_known(uint32_t format)
{
	return find_format(format) != NULL;
}

unsigned
shm_format_bytes_per_pixel(uint32_t format)
{
	const struct shm_format_info *info = find_format(format);

	return info ? info->bytes_per_pixel : 0;
}

unsigned
shm_format_block_width(uint32_t format)
{
	const struct shm_format_info *info = find_format(format);

	return info ? info->block_width : 0;
}
