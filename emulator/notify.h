/*
 * seccomp user notification: the filter the child installs, and the
 * supervisor side that receives each trapped call and dispatches it.
 * Trapped (x86-64 only): open, openat, openat2 (emulated for the device
 * path), ioctl (except FIONBIO/FIOCLEX/FIONCLEX/FIOASYNC/TCGETS, which no
 * vfd answers differently), and mmap without MAP_ANONYMOUS.  Anything
 * that is not about the device or a vfd continues in the kernel.
 */
#ifndef EMU_NOTIFY_H
#define EMU_NOTIFY_H

struct emu;

/* In the child: no_new_privs + filter.  Returns the listener fd or -errno. */
int notify_install_filter(void);

/* In the supervisor: serve the listener from the event loop. */
int notify_start(struct emu *emu, int listener_fd);
void notify_finish(struct emu *emu);

#endif
