/*
 * Damage in buffer pixels: which pixels of the client's wl_buffer changed
 * in a commit, so that only those are copied into the host buffer.
 *
 * A commit carries two kinds of damage: wl_surface.damage in surface-local
 * coordinates and wl_surface.damage_buffer in buffer coordinates.  The
 * former has to be taken back through every state that maps buffer to
 * surface, in the reverse of the order the compositor applies them:
 *
 *   surface  --viewport dst->src (scale, then offset)-->  viewport source
 *            --buffer_scale, inverse buffer_transform-->   buffer pixels
 *
 * Rounding is always outward and the result is clipped to the buffer: an
 * extra pixel copied costs nothing, a missed one is a visible glitch.
 */
#ifndef WLGP_DAMAGE_H
#define WLGP_DAMAGE_H

#include <pixman.h>
#include <stdbool.h>
#include <stdint.h>
#include <wayland-client-protocol.h>

/* wp_viewport state as committed.  Source values are the wl_fixed request
 * arguments as wl_fixed_to_double() returns them (exact), in surface-local
 * coordinates after buffer_transform and buffer_scale, as viewporter.xml
 * defines them. */
struct damage_viewport {
	bool has_source;
	double src_x, src_y, src_width, src_height;
	bool has_destination;
	int32_t dst_width, dst_height;
};

/* Everything of a committed wl_surface state that maps buffer pixels to
 * surface coordinates. */
struct damage_state {
	int32_t buffer_width, buffer_height; /* pixels, from the wl_buffer */
	int32_t scale;                       /* wl_surface.set_buffer_scale */
	enum wl_output_transform transform;  /* wl_surface.set_buffer_transform */
	struct damage_viewport viewport;     /* all false: no wp_viewport */
};

/*
 * Sets out to the damaged pixels of the buffer: surface_damage mapped into
 * buffer coordinates, united with buffer_damage, rounded outward to whole
 * pixels and clipped to the buffer.  Either damage may be NULL.
 *
 * Returns false and sets out to the whole buffer when the state is one the
 * protocol forbids (scale < 1, unknown transform, empty buffer or viewport
 * rectangle): the caller has, or should have, raised the protocol error,
 * and copying everything is never wrong.  out must be initialized.
 */
bool damage_to_buffer(pixman_region32_t *out, const struct damage_state *state,
		      const pixman_region32_t *surface_damage,
		      const pixman_region32_t *buffer_damage);

/*
 * Adds one wl_surface.damage or damage_buffer request to region.  The
 * arguments come from the wire: a negative size adds nothing, and a
 * rectangle that would overflow int32 (clients commonly send INT32_MAX to
 * mean "everything") is clamped instead of wrapping.
 */
void damage_add_request(pixman_region32_t *region, int32_t x, int32_t y,
			int32_t width, int32_t height);

/*
 * Widens every rectangle of region horizontally to whole blocks of
 * block_width pixels (shm_format_block_width: 2 for packed 4:2:2), clipped
 * to buffer_width.  A block_width of 0 or 1 leaves region as it is.
 */
void damage_align_to_blocks(pixman_region32_t *region, unsigned block_width,
			    int32_t buffer_width);

#endif
