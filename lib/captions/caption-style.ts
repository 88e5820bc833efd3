import { z } from "zod";

// How burned-in captions look. A preset sets everything; each field may override it. Sizes are
// fractions of the frame height so a style looks the same at 360p and 4K.

const hexColour = z.string().regex(/^#[0-9a-fA-F]{6}$/, "must be a colour like #FFFFFF");

export const captionStyleSchema = z
  .object({
    preset: z.enum(["classic", "boxed", "social"]).default("classic"),
    /** Text height as a fraction of the frame height (0.02–0.15). */
    fontSize: z.number().min(0.02).max(0.15).optional(),
    position: z.enum(["bottom", "top"]).optional(),
    /** An outline around the letters, or an opaque box behind them. */
    background: z.enum(["outline", "box"]).optional(),
    textColor: hexColour.optional(),
    /** The outline's or the box's colour. */
    backgroundColor: hexColour.optional(),
    /** Lines per caption (1–3); also used when building the cues. */
    maxLines: z.number().int().min(1).max(3).optional(),
    /** Highlight each word as it is spoken (karaoke), when the recogniser timed the words. */
    highlightWords: z.boolean().optional(),
  })
  .strict();
export type CaptionStyleInput = z.input<typeof captionStyleSchema>;

export interface CaptionStyle {
  preset: "classic" | "boxed" | "social";
  fontSize: number;
  position: "bottom" | "top";
  background: "outline" | "box";
  textColor: string;
  backgroundColor: string;
  maxLines: number;
  bold: boolean;
  highlightWords: boolean;
}

const PRESETS: Record<CaptionStyle["preset"], Omit<CaptionStyle, "preset">> = {
  // Broadcast look: white with a thin black outline, low in the frame.
  classic: {
    fontSize: 0.05,
    position: "bottom",
    background: "outline",
    textColor: "#FFFFFF",
    backgroundColor: "#000000",
    maxLines: 2,
    bold: false,
    highlightWords: false,
  },
  // Streaming look: white on a dark box, readable over any picture.
  boxed: {
    fontSize: 0.05,
    position: "bottom",
    background: "box",
    textColor: "#FFFFFF",
    backgroundColor: "#000000",
    maxLines: 2,
    bold: false,
    highlightWords: false,
  },
  // Social video: big bold text, a thick outline, above the platforms' buttons and captions.
  social: {
    fontSize: 0.065,
    position: "bottom",
    background: "outline",
    textColor: "#FFFFFF",
    backgroundColor: "#000000",
    maxLines: 2,
    bold: true,
    highlightWords: true,
  },
};

/** A style request (possibly empty) → every field decided. */
export function resolveCaptionStyle(input: CaptionStyleInput | undefined): CaptionStyle {
  const parsed = captionStyleSchema.parse(input ?? {});
  const { preset, ...overrides } = parsed;
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined));
  return { preset, ...PRESETS[preset], ...defined };
}
