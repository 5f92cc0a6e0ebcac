// Photos made smaller on the phone before they wait in the outbox, and the customer's signature drawn with a finger.

/** The longest side of a photo as sent: enough to read a data plate or a meter, a tenth of a camera's file. */
export const maxSide = 2048;

/**
 * A photo from the camera or the gallery as a JPEG whose long side is at most `maxSide` pixels, turned upright. It
 * is always drawn again, so what is sent carries none of the camera's metadata (the phone's location among it).
 */
export async function shrinkPhoto(file) {
  let bitmap;
  try {
    bitmap = await createImageBitmap(file, { imageOrientation: 'from-image' });
  } catch {
    throw new Error('This photo could not be read. Take it again, or choose a JPEG or PNG.');
  }
  const scale = Math.min(1, maxSide / Math.max(bitmap.width, bitmap.height));
  const width = Math.max(1, Math.round(bitmap.width * scale));
  const height = Math.max(1, Math.round(bitmap.height * scale));
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext('2d');
  context.fillStyle = '#ffffff';
  context.fillRect(0, 0, width, height);
  context.drawImage(bitmap, 0, 0, width, height);
  bitmap.close();
  return canvasBlob(canvas, 'image/jpeg', 0.85);
}

function canvasBlob(canvas, type, quality) {
  return new Promise((resolve, reject) => {
    canvas.toBlob((blob) => (blob ? resolve(blob) : reject(new Error('The image could not be made.'))), type, quality);
  });
}

/**
 * A signature box on a canvas: pointer events (a finger, a stylus or a mouse), drawn at the screen's pixel density.
 * Answers `clear()`, `isEmpty()`, `resize()` and `toBlob()` (a PNG on white).
 */
export function signaturePad(canvas) {
  const context = canvas.getContext('2d');
  let strokes = 0;
  let last;

  function resize() {
    const ratio = window.devicePixelRatio || 1;
    const { width, height } = canvas.getBoundingClientRect();
    canvas.width = Math.max(1, Math.round(width * ratio));
    canvas.height = Math.max(1, Math.round(height * ratio));
    context.setTransform(ratio, 0, 0, ratio, 0, 0);
    clear();
  }

  function clear() {
    context.save();
    context.setTransform(1, 0, 0, 1, 0, 0);
    context.fillStyle = '#ffffff';
    context.fillRect(0, 0, canvas.width, canvas.height);
    context.restore();
    context.lineWidth = 2.5;
    context.lineCap = 'round';
    context.lineJoin = 'round';
    context.strokeStyle = '#0b0c0c';
    strokes = 0;
  }

  const point = (event) => {
    const box = canvas.getBoundingClientRect();
    return { x: event.clientX - box.left, y: event.clientY - box.top };
  };

  canvas.addEventListener('pointerdown', (event) => {
    event.preventDefault();
    canvas.setPointerCapture(event.pointerId);
    last = point(event);
    context.beginPath();
    context.arc(last.x, last.y, context.lineWidth / 2, 0, Math.PI * 2);
    context.fillStyle = context.strokeStyle;
    context.fill();
  });
  canvas.addEventListener('pointermove', (event) => {
    if (!last) return;
    event.preventDefault();
    const next = point(event);
    context.beginPath();
    context.moveTo(last.x, last.y);
    context.lineTo(next.x, next.y);
    context.stroke();
    last = next;
  });
  const end = () => {
    if (last) strokes++;
    last = undefined;
  };
  canvas.addEventListener('pointerup', end);
  canvas.addEventListener('pointercancel', end);

  return {
    resize,
    clear,
    isEmpty: () => strokes === 0,
    toBlob: () => canvasBlob(canvas, 'image/png'),
  };
}
