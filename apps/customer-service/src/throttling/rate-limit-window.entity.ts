import { Column, Entity, Index, PrimaryColumn } from 'typeorm';

/** A fixed-window counter, shared by every instance of the service. */
@Entity({ name: 'rate_limit_windows' })
@Index('IDX_rate_limit_windows_ends', ['windowEndsAt'])
export class RateLimitWindowEntity {
  @PrimaryColumn({ type: 'text' })
  bucket!: string;

  @Column({ type: 'integer' })
  hits!: number;

  @Column({ name: 'window_ends_at', type: 'timestamptz' })
  windowEndsAt!: Date;
}
