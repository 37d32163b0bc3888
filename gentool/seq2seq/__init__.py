"""Sequence to sequence on arithmetic: text->text, image->text and text->image encoder-decoders."""
