"""zongjie training: labelled paragraphs in, a versioned model artifact out."""
