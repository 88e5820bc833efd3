export default function Home() {
  return (
    <main style={{ maxWidth: 720, margin: "2rem auto", padding: "0 1rem" }}>
      <h1>Captioner</h1>
      <p>
        Upload a video and get it back with its speech captioned. The API: <code>POST /api/video/upload</code>,{" "}
        <code>POST /api/video/process</code>, <code>GET /api/video/job/[id]</code>.
      </p>
    </main>
  );
}
