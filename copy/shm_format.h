/*
 * What the copy needs to know about a wl_shm format: how many bytes a
 * pixel takes, and whether neighbouring pixels share bytes.
 */
#ifndef WLGP_SHM_FORMAT_H
#define WLGP_SHM_FORMAT_H

#include <stdbool.h>
#include <stdint.h>

/* Whether format is a value of wayland.xml's wl_shm.format enum. */
bool shm_format_is_known(uint32_t format);

/*
 * Bytes per pixel of a single-plane packed format (1, 2, 3, 4 or 8), or 0
 * for a format the copy cannot handle: multi-planar, tiled, sub-byte or
 * compressed ones, and unknown values.  The caller refuses the buffer
 * rather than copy garbage.
 */
unsigned shm_format_bytes_per_pixel(uint32_t format);

/*
 * How many horizontally adjacent pixels share their bytes: 2 for packed
 * 4:2:2 formats (YUYV and friends: one chroma pair serves two pixels), 1
 * for everything else.  Damage must be widened to multiples of it before
 * copying (damage_align_to_blocks), or a damaged odd pixel would arrive
 * without its chroma.  0 when bytes_per_pixel is 0.
 */
unsigned shm_format_block_width(uint32_t format);

#endif
