// A job's thumbnail in a box of fixed size, so rows and pages never jump when it loads; a neutral
// placeholder for jobs without one (not rendered yet, failed before rendering, or older than thumbnails).
// A plain <img>: the bytes come from our own route (lib/admin/job-thumbnail.ts), already small, with
// cache headers of their own; Next's image optimiser would only add a second copy and another URL.

const SIZES = { row: { width: 96, height: 54 }, page: { width: 320, height: 180 } } as const;

export function JobThumbnail({
  src,
  size,
  alt = "",
  pending = false,
}: {
  src: string | null;
  size: keyof typeof SIZES;
  /** Empty in a row: the job's link beside it names the job. */
  alt?: string;
  /** The job may still get one (queued or processing): the placeholder says so. */
  pending?: boolean;
}) {
  const { width, height } = SIZES[size];
  if (!src) {
    return (
      <span
        className="adm-thumb"
        data-size={size}
        data-empty=""
        role="img"
        aria-label={pending ? "No thumbnail yet" : "No thumbnail"}
        title={pending ? "The thumbnail is captured when the video is rendered" : "No thumbnail"}
      >
        <svg viewBox="0 0 24 24" width="20" height="20" aria-hidden="true" focusable="false">
          <rect x="3" y="5" width="18" height="14" rx="2" fill="none" stroke="currentColor" strokeWidth="1.5" />
          <path d="M10 9.5v5l4.5-2.5z" fill="currentColor" />
        </svg>
      </span>
    );
  }
  return (
    <span className="adm-thumb" data-size={size}>
      {/* biome-ignore lint/performance/noImgElement: a small same-origin JPEG with its own cache headers */}
      <img src={src} alt={alt} width={width} height={height} loading="lazy" decoding="async" />
    </span>
  );
}
