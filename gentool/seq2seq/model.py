"""The recurrent encoder-decoder (GRU or LSTM) of the three tasks.

- Input: tokens through an embedding (text), or each glyph through a small CNN (image), into the encoder RNN;
  its final state starts the decoder.
- Output text: the decoder reads the previous token (the true one while training: teacher forcing) and a linear
  head gives the next token's logits; decoding is greedy or a beam search over the model's log-probability.
- Output image: a transposed-convolution head draws the next 28x28 glyph (pixel logits) from the decoder's state;
  blank glyphs pad the answer, so the first blank ends it. The decoder reads the previous symbol as a token (the
  true one while training, the one its symbol head names when drawing: `decoder_reads: token`, so training and
  drawing feed it the same kind of input), or the previous glyph through its own glyph CNN (`glyph`: the true
  glyph while training, its own drawing when drawing).
"""

from __future__ import annotations

from typing import Callable

import torch
import torch.nn.functional as F
from torch import nn
from torch.nn.utils.rnn import pack_padded_sequence

from gentool.seq2seq.config import Seq2SeqModelConfig
from gentool.seq2seq.data import END, PAD, SPECIALS, START, VOCABULARY

State = torch.Tensor | tuple[torch.Tensor, torch.Tensor]  # GRU: h; LSTM: (h, c), each (layers, B, H)


class GlyphEncoder(nn.Module):
    """(N, 1, 28, 28) in [-1, 1] -> (N, features)."""

    def __init__(self, features: int):
        super().__init__()
        # strided and narrow: it runs on every glyph of every expression, so it is most of a step's cost
        self.net = nn.Sequential(
            nn.Conv2d(1, 8, 4, stride=2, padding=1), nn.ReLU(),  # (N, 8, 14, 14)
            nn.Conv2d(8, 16, 4, stride=2, padding=1), nn.ReLU(),  # (N, 16, 7, 7)
            nn.Flatten(), nn.Linear(16 * 7 * 7, features), nn.ReLU())

    def forward(self, glyphs: torch.Tensor) -> torch.Tensor:
        return self.net(glyphs)


class GlyphDecoder(nn.Module):
    """(N, hidden) -> (N, 1, 28, 28) pixel logits."""

    def __init__(self, hidden: int):
        super().__init__()
        self.net = nn.Sequential(
            nn.Linear(hidden, 16 * 7 * 7), nn.ReLU(), nn.Unflatten(1, (16, 7, 7)),
            nn.ConvTranspose2d(16, 8, 4, stride=2, padding=1), nn.ReLU(),  # (N, 8, 14, 14)
            nn.ConvTranspose2d(8, 1, 4, stride=2, padding=1))  # (N, 1, 28, 28)

    def forward(self, hidden: torch.Tensor) -> torch.Tensor:
        return self.net(hidden)


class GlyphDiscriminator(nn.Module):
    """Real glyph or drawn one: (N, 1, 28, 28) -> (N,) logits (the optional adversarial term of text2image)."""

    def __init__(self):
        super().__init__()
        self.net = nn.Sequential(
            nn.Conv2d(1, 32, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (N, 32, 14, 14)
            nn.Conv2d(32, 64, 4, stride=2, padding=1), nn.LeakyReLU(0.2),  # (N, 64, 7, 7)
            nn.Flatten(), nn.Linear(64 * 7 * 7, 1))

    def forward(self, glyphs: torch.Tensor) -> torch.Tensor:
        return self.net(glyphs)[:, 0]


def map_state(state: State, fn: Callable[[torch.Tensor], torch.Tensor]) -> State:
    return tuple(fn(part) for part in state) if isinstance(state, tuple) else fn(state)


def as_images(logits: torch.Tensor) -> torch.Tensor:
    """Pixel logits -> glyphs in [-1, 1] (ink probability rescaled)."""
    return torch.sigmoid(logits) * 2 - 1


class Seq2Seq(nn.Module):
    def __init__(self, config: Seq2SeqModelConfig, image_input: bool, image_output: bool):
        super().__init__()
        self.image_input, self.image_output = image_input, image_output
        rnn = nn.GRU if config.cell == "gru" else nn.LSTM
        self.embed_in = (GlyphEncoder(config.embed) if image_input
                         else nn.Embedding(VOCABULARY, config.embed, padding_idx=PAD))
        self.encoder = rnn(config.embed, config.hidden, config.layers, batch_first=True)
        self.decoder = rnn(config.embed, config.hidden, config.layers, batch_first=True)
        self.reads_tokens = not image_output or config.decoder_reads == "token"
        if image_output and self.reads_tokens:
            self.embed_out = nn.Embedding(VOCABULARY, config.embed, padding_idx=PAD)
            self.head = GlyphDecoder(config.hidden)
            self.symbol_head = nn.Linear(config.hidden, VOCABULARY)  # which symbol this step draws
        elif image_output:
            self.start = nn.Parameter(torch.zeros(config.embed))  # what the decoder reads before the first glyph
            self.embed_out = GlyphEncoder(config.embed)
            self.head = GlyphDecoder(config.hidden)
        else:
            self.embed_out = nn.Embedding(VOCABULARY, config.embed, padding_idx=PAD)
            self.head = nn.Linear(config.hidden, VOCABULARY)
        # never emitted: padding and start (the end token and the symbols are)
        banned = torch.zeros(VOCABULARY, dtype=torch.bool)
        banned[[PAD, START]] = True
        self.register_buffer("banned", banned, persistent=False)

    # --------------------------------------------------------------------------------------------- encoding

    def encode(self, inputs: torch.Tensor, lengths: torch.Tensor) -> State:
        """inputs: tokens (B, L) or glyphs (B, L, 1, 28, 28); lengths (B,) on the CPU."""
        if self.image_input:
            count, steps = inputs.shape[:2]
            embedded = self.embed_in(inputs.flatten(0, 1)).view(count, steps, -1)
        else:
            embedded = self.embed_in(inputs)
        packed = pack_padded_sequence(embedded, lengths, batch_first=True, enforce_sorted=False)
        _, state = self.encoder(packed)
        return state

    # ----------------------------------------------------------------------------------- training (teacher forced)

    def forward(self, inputs: torch.Tensor, lengths: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        """Teacher forcing. Text output: targets (B, T) tokens -> logits (B, T, V). Image output: targets
        (B, T, 1, 28, 28) glyphs -> pixel logits of the same shape."""
        state = self.encode(inputs, lengths)
        count, steps = targets.shape[:2]
        if self.image_output and not self.reads_tokens:
            previous = self.embed_out(targets[:, :-1].flatten(0, 1)).view(count, steps - 1, -1)
            read = torch.cat([self.start.expand(count, 1, -1), previous], dim=1)
        else:
            start = torch.full((count, 1), START, dtype=torch.long, device=targets.device)
            read = self.embed_out(torch.cat([start, targets[:, :-1]], dim=1))
        outputs, _ = self.decoder(read, state)
        if self.image_output:
            return self.head(outputs.flatten(0, 1)).view(targets.shape)
        return self.head(outputs)

    def forward_drawn(self, inputs: torch.Tensor, lengths: torch.Tensor, tokens: torch.Tensor
                      ) -> tuple[torch.Tensor, torch.Tensor]:
        """Image output reading tokens, teacher forced on the answer's tokens (B, T): (pixel logits (B, T, 1, 28,
        28), symbol logits (B, T, V))."""
        state = self.encode(inputs, lengths)
        start = torch.full((len(tokens), 1), START, dtype=torch.long, device=tokens.device)
        outputs, _ = self.decoder(self.embed_out(torch.cat([start, tokens[:, :-1]], dim=1)), state)
        pixels = self.head(outputs.flatten(0, 1)).view(*tokens.shape, 1, 28, 28)
        return pixels, self.symbol_head(outputs)

    # -------------------------------------------------------------------------------------------- decoding

    def _step(self, read: torch.Tensor, state: State) -> tuple[torch.Tensor, State]:
        output, state = self.decoder(read[:, None], state)
        return output[:, 0], state

    def _log_probs(self, output: torch.Tensor) -> torch.Tensor:
        return self.head(output).log_softmax(dim=-1)

    @torch.no_grad()
    def greedy(self, inputs: torch.Tensor, lengths: torch.Tensor, steps: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Text output: (tokens (B, steps), the sequence log-probability (B,) up to and with the end token)."""
        state = self.encode(inputs, lengths)
        count = len(lengths)
        token = torch.full((count,), START, dtype=torch.long, device=self.banned.device)
        finished = torch.zeros(count, dtype=torch.bool, device=token.device)
        score = torch.zeros(count, device=token.device)
        tokens = []
        for _ in range(steps):
            output, state = self._step(self.embed_out(token), state)
            log_probs = self._log_probs(output)
            best = log_probs.masked_fill(self.banned, float("-inf")).argmax(dim=-1)
            score = score + torch.where(finished, 0.0, log_probs.gather(1, best[:, None])[:, 0])
            token = torch.where(finished, PAD, best)
            tokens.append(token)
            finished = finished | (best == END)
        return torch.stack(tokens, dim=1), score

    @torch.no_grad()
    def beam(self, inputs: torch.Tensor, lengths: torch.Tensor, steps: int, width: int
             ) -> tuple[torch.Tensor, torch.Tensor]:
        """Text output: beam search of `width` hypotheses per input over the sequence log-probability (no length
        penalty: answers are 1 to 4 symbols). The greedy answer joins the candidates, so the result never scores
        below greedy decoding's."""
        greedy_tokens, greedy_score = self.greedy(inputs, lengths, steps)
        count, device = len(lengths), self.banned.device
        state = map_state(self.encode(inputs, lengths), lambda s: s.repeat_interleave(width, dim=1))
        token = torch.full((count * width,), START, dtype=torch.long, device=device)
        scores = torch.full((count, width), float("-inf"), device=device)
        scores[:, 0] = 0.0  # one live hypothesis to start with
        finished = torch.zeros(count * width, dtype=torch.bool, device=device)
        history = torch.zeros(count * width, 0, dtype=torch.long, device=device)
        stay = torch.full((VOCABULARY,), float("-inf"), device=device)
        stay[PAD] = 0.0  # a finished hypothesis goes on with padding at no cost
        for _ in range(steps):
            output, state = self._step(self.embed_out(token), state)
            log_probs = self._log_probs(output).masked_fill(self.banned, float("-inf"))
            log_probs = torch.where(finished[:, None], stay, log_probs)
            total = (scores.view(-1, 1) + log_probs).view(count, width * VOCABULARY)
            scores, pick = total.topk(width, dim=1)
            parent = (torch.arange(count, device=device)[:, None] * width + pick // VOCABULARY).view(-1)
            token = (pick % VOCABULARY).view(-1)
            history = torch.cat([history[parent], token[:, None]], dim=1)
            state = map_state(state, lambda s, parent=parent: s[:, parent])
            finished = finished[parent] | (token == END) | (token == PAD)
        best_score, best = scores.max(dim=1)
        best_tokens = history[torch.arange(count, device=device) * width + best]
        use_greedy = greedy_score > best_score
        return (torch.where(use_greedy[:, None], greedy_tokens, best_tokens),
                torch.maximum(best_score, greedy_score))

    @torch.no_grad()
    def sequence_log_prob(self, inputs: torch.Tensor, lengths: torch.Tensor, tokens: torch.Tensor) -> torch.Tensor:
        """(B,) log-probability the model gives `tokens` (B, T), up to and with each row's end token."""
        log_probs = self.forward(inputs, lengths, tokens).log_softmax(dim=-1)
        picked = log_probs.gather(2, tokens[..., None])[..., 0]
        return (picked * (tokens != PAD)).sum(dim=1)

    @torch.no_grad()
    def draw(self, inputs: torch.Tensor, lengths: torch.Tensor, steps: int) -> torch.Tensor:
        """Image output: (B, steps, 1, 28, 28) glyphs in [-1, 1], each read back as the next step's input."""
        state = self.encode(inputs, lengths)
        if self.reads_tokens:  # reads the symbol it meant to draw, as in training: padding once it has ended
            token = torch.full((len(lengths),), START, dtype=torch.long, device=self.banned.device)
            finished = torch.zeros(len(lengths), dtype=torch.bool, device=token.device)
            read = self.embed_out(token)
        else:
            read = self.start.expand(len(lengths), -1)
        glyphs = []
        for _ in range(steps):
            output, state = self._step(read, state)
            glyph = as_images(self.head(output))
            glyphs.append(glyph)
            if self.reads_tokens:
                best = self.symbol_head(output).masked_fill(self.banned, float("-inf")).argmax(dim=-1)
                token = torch.where(finished, PAD, best)
                finished = finished | (best == END)
                read = self.embed_out(token)
            else:
                read = self.embed_out(glyph)
        return torch.stack(glyphs, dim=1)


def text_loss(logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
    """Cross-entropy per answer token (the end token included, padding not)."""
    return F.cross_entropy(logits.flatten(0, 1), targets.flatten(), ignore_index=PAD)


def symbol_count(tokens: torch.Tensor) -> torch.Tensor:
    return (tokens >= SPECIALS).sum(dim=1)
