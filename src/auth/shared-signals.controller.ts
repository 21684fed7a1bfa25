import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Put, Query } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiExtraModels,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiTags,
  getSchemaPath,
} from '@nestjs/swagger';
import { RateLimit, ServiceClient } from '../common/route-policy.js';
import { ApiErrors } from '../openapi/api-errors.js';
import { PollDelivery } from '../shared-signals/poll-delivery.service.js';
import { StreamsService } from '../shared-signals/streams.service.js';
import type { ServiceClient as Receiver } from '../service-clients/service-clients.js';
import { CurrentServiceClient } from './service-client-check.js';
import { CreateStreamBody, PollBody, RequiredStreamIdQuery, StreamIdQuery, StreamStatusBody, UpdateStreamBody, VerificationBody } from './shared-signals.dto.js';
import {
  PollView,
  StreamConfigurationView,
  StreamStatusView,
  toPollView,
  toStreamConfigurationView,
  toStreamStatusView,
} from './views/shared-signals.view.js';

/**
 * The SSF transmitter's receiver-facing endpoints (docs/shared-signals.md):
 * stream management (SSF 1.0 §8), status, verification and RFC 8936 polls.
 * The receiver is the service client of the `ssf` credential; it sees and
 * changes only its own streams.
 */
@ApiTags('shared-signals')
@ServiceClient('ssf')
@RateLimit('service-client')
@Controller('ssf')
export class SharedSignalsController {
  constructor(
    private readonly streams: StreamsService,
    private readonly polls: PollDelivery,
  ) {}

  @ApiOperation({ summary: 'Create a stream (poll unless asked for push); it starts with the sessions revoked in the recent past' })
  @ApiBody({ type: CreateStreamBody, required: false })
  @ApiCreatedResponse({ type: StreamConfigurationView })
  @ApiErrors('stream_limit_reached')
  @Post('stream')
  @HttpCode(201)
  async create(@CurrentServiceClient() receiver: Receiver, @Body() body: CreateStreamBody = {}): Promise<StreamConfigurationView> {
    return toStreamConfigurationView(await this.streams.create(receiver.clientId, body));
  }

  /** One stream with `stream_id`; without it, all of the receiver's (SSF 1.0 §8.1.1.2). */
  @ApiOperation({ summary: "One of the receiver's streams with `stream_id`; without it, all of them (an array)" })
  @ApiExtraModels(StreamConfigurationView)
  @ApiOkResponse({
    schema: {
      oneOf: [{ $ref: getSchemaPath(StreamConfigurationView) }, { type: 'array', items: { $ref: getSchemaPath(StreamConfigurationView) } }],
    },
  })
  @ApiErrors('stream_not_found')
  @Get('stream')
  async read(@CurrentServiceClient() receiver: Receiver, @Query() query: StreamIdQuery): Promise<StreamConfigurationView | StreamConfigurationView[]> {
    if (query.stream_id === undefined) return (await this.streams.list(receiver.clientId)).map(toStreamConfigurationView);
    return toStreamConfigurationView(await this.streams.read(receiver.clientId, query.stream_id));
  }

  @ApiOperation({ summary: 'Change the receiver-supplied properties a stream update names; the others stay' })
  @ApiOkResponse({ type: StreamConfigurationView })
  @ApiErrors('stream_not_found')
  @Patch('stream')
  async update(@CurrentServiceClient() receiver: Receiver, @Body() body: UpdateStreamBody): Promise<StreamConfigurationView> {
    return toStreamConfigurationView(await this.streams.update(receiver.clientId, body.stream_id, body, 'patch'));
  }

  @ApiOperation({ summary: "Replace a stream's receiver-supplied properties (one left out is cleared)" })
  @ApiOkResponse({ type: StreamConfigurationView })
  @ApiErrors('stream_not_found')
  @Put('stream')
  async replace(@CurrentServiceClient() receiver: Receiver, @Body() body: UpdateStreamBody): Promise<StreamConfigurationView> {
    return toStreamConfigurationView(await this.streams.update(receiver.clientId, body.stream_id, body, 'put'));
  }

  @ApiOperation({ summary: 'Delete a stream and its undelivered events' })
  @ApiNoContentResponse({ description: 'Deleted.' })
  @ApiErrors('stream_not_found')
  @Delete('stream')
  @HttpCode(204)
  async delete(@CurrentServiceClient() receiver: Receiver, @Query() query: RequiredStreamIdQuery): Promise<void> {
    await this.streams.delete(receiver.clientId, query.stream_id);
  }

  @ApiOperation({ summary: "A stream's status" })
  @ApiOkResponse({ type: StreamStatusView })
  @ApiErrors('stream_not_found')
  @Get('status')
  async status(@CurrentServiceClient() receiver: Receiver, @Query() query: RequiredStreamIdQuery): Promise<StreamStatusView> {
    return toStreamStatusView(await this.streams.status(receiver.clientId, query.stream_id));
  }

  @ApiOperation({ summary: 'Enable, pause (events are held) or disable (waiting events are dropped) a stream' })
  @ApiOkResponse({ type: StreamStatusView })
  @ApiErrors('stream_not_found')
  @Post('status')
  @HttpCode(200)
  async setStatus(@CurrentServiceClient() receiver: Receiver, @Body() body: StreamStatusBody): Promise<StreamStatusView> {
    return toStreamStatusView(await this.streams.setStatus(receiver.clientId, body.stream_id, body.status, body.reason));
  }

  @ApiOperation({ summary: 'Ask for a verification event down the stream (at most once per `min_verification_interval`: 429 otherwise)' })
  @ApiNoContentResponse({ description: 'Queued.' })
  @ApiErrors('stream_not_found')
  @Post('verify')
  @HttpCode(204)
  async verify(@CurrentServiceClient() receiver: Receiver, @Body() body: VerificationBody): Promise<void> {
    await this.streams.verify(receiver.clientId, body.stream_id, body.state);
  }

  /** RFC 8936: acknowledge, then receive; waits for events unless `returnImmediately`. */
  @ApiOperation({ summary: 'RFC 8936 poll: acknowledge SETs, then receive the oldest unacknowledged ones (waits for one unless `returnImmediately`)' })
  @ApiParam({ name: 'streamId', description: "The stream's `stream_id`, as in its `delivery.endpoint_url`." })
  @ApiBody({ type: PollBody, required: false })
  @ApiOkResponse({ type: PollView })
  @ApiErrors('stream_not_found')
  @Post('poll/:streamId')
  @HttpCode(200)
  async poll(@CurrentServiceClient() receiver: Receiver, @Param('streamId') streamId: string, @Body() body: PollBody = {}): Promise<PollView> {
    return toPollView(await this.polls.poll(receiver.clientId, streamId, body));
  }
}
