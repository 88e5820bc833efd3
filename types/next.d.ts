// Next.js ambient types, committed so `tsc --noEmit` sees the same types before and after a build
// (next-env.d.ts is generated per build dir and not committed).
/// <reference types="next" />
/// <reference types="next/image-types/global" />
